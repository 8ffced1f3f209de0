import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import type { Planar } from '../../src/degrade/common.js';
import {
  blindDegrade, cameraShake, drawFamily, FAMILIES, gaussianGray, gaussianRgb, jpeg, linearMotion, poissonGaussian, presetMix, PRESETS, rainFamily,
  RAIN_RANGES, type Family, type ParamSpec, type Ranges,
} from '../../src/degrade/blind/index.js';

function textured(width = 40, height = 32, channels = 3): Planar {
  const data = new Float32Array(width * height * channels);
  for (let c = 0; c < channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    data[(c * height + y) * width + x] = 0.5 + 0.4 * Math.sin(0.5 * x + 0.3 * y + c) * Math.cos(0.21 * y);
  }
  return { data, width, height, channels };
}

const flat = (v: number, w = 64, h = 64, c = 3): Planar => ({ data: new Float32Array(w * h * c).fill(v), width: w, height: h, channels: c });
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Every recorded value whose key has a numeric range in `ranges` lies in it (4 significant digits recorded). */
function checkRanges(params: unknown, ranges: Ranges, where: string, prefix = ''): number {
  let checked = 0;
  if (Array.isArray(params)) {
    for (const p of params) checked += checkRanges(p, ranges, where, prefix);
    return checked;
  }
  if (!params || typeof params !== 'object') return 0;
  const o = params as Record<string, unknown>;
  // a chain's steps: { family, ...params } checked against the chain's '<family>.<key>' ranges
  const pre = typeof o.family === 'string' && Object.keys(ranges).some((k) => k.startsWith(`${o.family}.`)) ? `${o.family}.` : prefix;
  for (const [k, v] of Object.entries(o)) {
    const spec: ParamSpec | undefined = ranges[pre + k];
    if (typeof v === 'number' && spec && (spec.kind === 'uniform' || spec.kind === 'log-uniform' || spec.kind === 'int')) {
      const [lo, hi] = spec.range;
      const tol = 1e-3 * Math.max(Math.abs(lo), Math.abs(hi), 1e-9);
      assert.ok(v >= lo - tol && v <= hi + tol, `${where}: ${pre + k} = ${v} outside [${lo}, ${hi}]`);
      if (spec.kind === 'int') assert.ok(Number.isInteger(v), `${where}: ${k} = ${v} is not an integer`);
      checked++;
    } else if (typeof v === 'string' && spec?.kind === 'choice') {
      assert.ok(spec.values.includes(v), `${where}: ${pre + k} = ${v} not one of ${spec.values.join(', ')}`);
      checked++;
    } else if (typeof v === 'object') {
      checked += checkRanges(v, ranges, where, pre);
    }
  }
  return checked;
}

test('every family: seeded (same seed, same image and record; another seed, another), in [0, 1], the same shape, a JSON record', () => {
  const img = textured();
  for (const f of Object.values(FAMILIES)) {
    const a = f.sample(img, new Rng(3));
    const b = f.sample(img, new Rng(3));
    const c = f.sample(img, new Rng(4));
    assert.ok(same(a.image.data, b.image.data), `${f.name}: same seed, same output`);
    assert.deepEqual(a.params, b.params, `${f.name}: same seed, same record`);
    assert.ok(!same(a.image.data, c.image.data), `${f.name}: another seed, another output`);
    assert.ok(!same(a.image.data, img.data), `${f.name}: the image changed`);
    assert.deepEqual([a.image.width, a.image.height, a.image.channels], [img.width, img.height, img.channels], f.name);
    assert.ok(a.image.data.every((v) => v >= 0 && v <= 1), `${f.name}: output in [0, 1]`);
    assert.equal(a.family, f.name);
    assert.deepEqual(JSON.parse(JSON.stringify(a.params)), a.params, `${f.name}: the record survives JSON`);
    assert.ok(img.data[0] === textured().data[0], `${f.name}: the input is left untouched`);
    assert.ok(f.summary.length > 10 && Object.keys(f.ranges).length > 0, `${f.name}: documented`);
  }
});

test('drawn parameters stay inside each family’s documented ranges', () => {
  const img = textured(24, 24);
  for (const f of Object.values(FAMILIES)) {
    let checked = 0;
    for (let s = 0; s < 25; s++) checked += checkRanges(f.sample(img, new Rng(100 + s)).params, f.ranges, f.name);
    assert.ok(checked >= 25, `${f.name}: ${checked} values checked`);
  }
});

test('Gaussian noise: the drawn σ is in [0, 50] and is the residual’s standard deviation; luminance noise moves every channel alike', () => {
  const img = flat(0.5, 96, 96);
  for (let s = 0; s < 6; s++) {
    const r = gaussianRgb.sample(img, new Rng(s));
    const sigma = r.params.sigma as number;
    assert.ok(sigma >= 0 && sigma <= 50, `σ ${sigma}`);
    let sq = 0;
    for (const v of r.image.data) sq += ((v - 0.5) * 255) ** 2;
    const std = Math.sqrt(sq / r.image.data.length);
    assert.ok(Math.abs(std - sigma) < 0.04 * sigma + 0.05, `σ ${sigma}: residual std ${std}`);
  }
  const g = gaussianGray.sample(flat(0.5, 32, 32), new Rng(1));
  const n = 32 * 32;
  for (let i = 0; i < n; i++) {
    assert.equal(g.image.data[i], g.image.data[n + i], 'R and G move together');
    assert.equal(g.image.data[i], g.image.data[2 * n + i], 'R and B move together');
  }
  const col = gaussianRgb.sample(flat(0.5, 32, 32), new Rng(1));
  assert.ok(col.image.data.slice(0, n).some((v, i) => v !== col.image.data[n + i]), 'colour noise differs per channel');
  const fixed = gaussianRgb.with('g25', { sigma: { kind: 'uniform', range: [25, 25], unit: '0–255', doc: '' } });
  assert.equal(fixed.sample(img, new Rng(9)).params.sigma, 25, 'with() replaces a range');
  assert.throws(() => gaussianRgb.with('x', { nope: { kind: 'chance', p: 1, doc: '' } }), /no range 'nope'/);
});

test('Poisson–Gaussian noise is signal-dependent: stronger on bright than on dark areas', () => {
  const pg = poissonGaussian.with('pg', { sigma_white: { kind: 'uniform', range: [30, 30], unit: '', doc: '' }, sigma_read: { kind: 'uniform', range: [0, 0], unit: '', doc: '' } });
  const std = (v: number) => {
    const r = pg.sample(flat(v, 64, 64), new Rng(2));
    let sq = 0;
    for (const x of r.image.data) sq += ((x - v) * 255) ** 2;
    return Math.sqrt(sq / r.image.data.length);
  };
  const [dark, bright] = [std(0.1), std(0.8)];
  assert.ok(Math.abs(bright - 30 * Math.sqrt(0.8)) < 1.5, `bright: ${bright} ≈ 30·√0.8`);
  assert.ok(Math.abs(dark - 30 * Math.sqrt(0.1)) < 1, `dark: ${dark} ≈ 30·√0.1`);
});

test('JPEG family: 8-bit output, quality in [30, 95]', () => {
  const r = jpeg.sample(textured(), new Rng(5));
  assert.ok(r.image.data.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4));
  const q = r.params.quality as number;
  assert.ok(Number.isInteger(q) && q >= 30 && q <= 95);
});

test('blur families: every kernel is non-negative, sums to 1 and fits the family’s margin; a flat image stays flat without the noise', () => {
  const img = flat(0.3, 48, 48);
  for (const f of Object.values(FAMILIES).filter((x) => x.task === 'blur')) {
    const quiet = f.with(f.name, { noise: { kind: 'uniform', range: [0, 0], unit: '', doc: '' } });
    for (let s = 0; s < 12; s++) {
      const r = quiet.sample(img, new Rng(s));
      const k = r.kernel!;
      assert.ok(k, `${f.name}: the kernel comes back`);
      let sum = 0;
      for (const v of k.weights) {
        assert.ok(v >= 0, `${f.name}: weight ${v} < 0`);
        sum += v;
      }
      assert.ok(Math.abs(sum - 1) < 1e-9, `${f.name}: kernel sums to ${sum}`);
      assert.equal(k.size % 2, 1, `${f.name}: odd size`);
      assert.ok((k.size - 1) / 2 <= f.margin, `${f.name}: radius ${(k.size - 1) / 2} > margin ${f.margin}`);
      assert.equal(r.params.kernel_size, k.size);
      assert.ok(r.image.data.every((v) => Math.abs(v - 0.3) < 1e-6), `${f.name}: flat stays flat`);
    }
    const noisy = f.sample(img, new Rng(1));
    const noise = noisy.params.noise as number;
    assert.ok(noise >= 0 && noise <= 2, `${f.name}: slight noise (${noise})`);
  }
  assert.equal(linearMotion.margin, 18, 'a 35 px line reaches 18 px');
  const shake = cameraShake.sample(img, new Rng(3)).params;
  assert.ok(Array.isArray(shake.trajectory) && (shake.trajectory as unknown[]).length === shake.steps, 'the shake record holds its path');
});

test('rain: additive and screen only brighten; over can darken; a veil and a tint are drawn when asked', () => {
  const img = textured(48, 48);
  for (const composite of ['additive', 'screen']) {
    const f = rainFamily('t', '', {
      model: { kind: 'choice', values: ['sharp', 'motion', 'layered', 'defocused'], doc: '' },
      composite: { kind: 'choice', values: [composite], doc: '' },
      veil: { kind: 'chance', p: 0, doc: '' },
      tint: { kind: 'chance', p: 0.5, doc: '' },
      density: { kind: 'log-uniform', range: [5e-3, 1e-2], unit: '', doc: '' },
    });
    for (let s = 0; s < 12; s++) {
      const r = f.sample(img, new Rng(s));
      assert.equal(r.params.composite, composite);
      assert.ok(r.image.data.every((v, i) => v >= img.data[i] - 1e-7), `${composite}: never darker (seed ${s})`);
      assert.ok(r.image.data.some((v, i) => v > img.data[i] + 0.05), `${composite}: streaks show (seed ${s})`);
    }
  }
  const over = rainFamily('o', '', { composite: { kind: 'choice', values: ['over'], doc: '' }, veil: { kind: 'chance', p: 0, doc: '' }, tint: { kind: 'chance', p: 1, doc: '' }, density: { kind: 'uniform', range: [0.01, 0.01], unit: '', doc: '' } });
  const white = flat(1, 48, 48);
  const r = over.sample(white, new Rng(1));
  assert.ok(r.image.data.some((v) => v < 0.99), 'tinted streaks composited over white darken it');
  assert.equal((r.params.tint as number[]).length, 3);
  const veiled = rainFamily('v', '', { veil: { kind: 'chance', p: 1, doc: '' } }).sample(img, new Rng(2));
  assert.ok(veiled.params.veil && typeof (veiled.params.veil as { transmission: number }).transmission === 'number');
  const grey = rainFamily('g', '', { tint: { kind: 'chance', p: 1, doc: '' } }).sample(textured(32, 32, 1), new Rng(2));
  assert.equal(grey.image.channels, 1, 'grey images work');
  const layered = FAMILIES['rain-layered'].sample(img, new Rng(4)).params;
  const layers = layered.layers as { angle: number; length: number }[];
  assert.ok(layers.length >= 2 && layers.length <= 3, 'layered rain has 2–3 layers');
  assert.ok(new Set(layers.map((l) => l.length)).size === layers.length, 'each layer has its own length');
  assert.deepEqual(RAIN_RANGES.composite.kind === 'choice' && RAIN_RANGES.composite.values, ['additive', 'screen'], 'training composites');
});

test('presets: held-out families are never drawn by the training mix; train and held-out families differ by name and by what they draw', () => {
  for (const p of Object.values(PRESETS)) {
    const trainNames = new Set(p.train.map((m) => m.family.name));
    const heldNames = p.heldout.map((m) => m.family.name);
    assert.ok(heldNames.length > 0 && heldNames.every((n) => !trainNames.has(n)), `${p.name}: no family in both mixes`);
    for (const m of [...p.train, ...p.heldout]) assert.equal(m.family.task, p.task, `${p.name}: ${m.family.name} is a ${p.task} family`);
    const rng = new Rng(11);
    const drawn = new Set<string>();
    for (let i = 0; i < 3000; i++) drawn.add(drawFamily(p.train, rng).name);
    assert.deepEqual([...drawn].sort(), [...trainNames].sort(), `${p.name}: the training mix draws all of its families and nothing else`);
  }
  // derain: the over rule and the defocused streak model are held out
  const img = textured(24, 24);
  const seen = { composite: new Set<string>(), model: new Set<string>() };
  const rng = new Rng(5);
  for (let i = 0; i < 150; i++) {
    const r = blindDegrade(img, { mix: PRESETS.derain.train, cleanFraction: 0, asUint8: true }, rng);
    seen.composite.add(r.params.composite as string);
    seen.model.add(r.params.model as string);
  }
  assert.deepEqual([...seen.composite].sort(), ['additive', 'screen']);
  assert.deepEqual([...seen.model].sort(), ['layered', 'motion', 'sharp']);
  const held = { composite: new Set<string>(), model: new Set<string>() };
  for (let i = 0; i < 60; i++) {
    const r = blindDegrade(img, { mix: PRESETS.derain.heldout, cleanFraction: 0, asUint8: true }, rng);
    held.composite.add(r.params.composite as string);
    held.model.add(r.params.model as string);
  }
  assert.ok(held.composite.has('over') && held.model.has('defocused'), 'the held-out mix draws them');
});

test('a mix draws its families in proportion to their weights', () => {
  const mix = PRESETS.deblur.train;
  const total = mix.reduce((s, m) => s + m.weight, 0);
  const counts = new Map<string, number>();
  const rng = new Rng(1);
  const N = 6000;
  for (let i = 0; i < N; i++) {
    const f = drawFamily(mix, rng).name;
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  for (const m of mix) {
    const p = m.weight / total;
    const got = (counts.get(m.family.name) ?? 0) / N;
    assert.ok(Math.abs(got - p) < 4 * Math.sqrt((p * (1 - p)) / N), `${m.family.name}: ${got} vs ${p}`);
  }
});

test('clean_fraction is honoured statistically and a clean sample is the image itself; as_uint8 rounds to 1/255 steps', () => {
  const img = textured(8, 8);
  const N = 3000;
  for (const cleanFraction of [0.05, 0.1, 0.3]) {
    const rng = new Rng(2);
    let clean = 0;
    for (let i = 0; i < N; i++) {
      const r = blindDegrade(img, { mix: PRESETS.denoise.train, cleanFraction, asUint8: true }, rng);
      if (r.family === 'clean') {
        clean++;
        assert.ok(same(r.image.data, img.data), 'a clean sample equals the input');
        assert.notEqual(r.image.data, img.data, 'as a copy');
      }
    }
    const sd = Math.sqrt(N * cleanFraction * (1 - cleanFraction));
    assert.ok(Math.abs(clean - N * cleanFraction) < 4 * sd, `clean fraction ${cleanFraction}: ${clean} of ${N}`);
  }
  const o = { mix: presetMix('deblur'), cleanFraction: 0, asUint8: true };
  const r8 = blindDegrade(textured(), o, new Rng(3));
  assert.ok(r8.image.data.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), 'on 1/255 steps');
  const rf = blindDegrade(textured(), { ...o, asUint8: false }, new Rng(3));
  assert.ok(rf.image.data.some((v) => Math.abs(v * 255 - Math.round(v * 255)) > 0.01), 'as_uint8 false keeps floats');
  assert.ok(rf.image.data.every((v, i) => Math.abs(v - r8.image.data[i]) <= 0.5 / 255 + 1e-6), 'rounding is the only difference');
});

test('presetMix: names keep the preset weights, a mapping sets them; unknown names and empty mixes are refused', () => {
  const m = presetMix('deblur', 'train', ['defocus', 'linear-motion']);
  assert.deepEqual(m.map((x) => [x.family.name, x.weight]), [['defocus', 2], ['linear-motion', 3]]);
  assert.deepEqual(presetMix('deblur', 'train', { 'arc-motion': 0.5 }).map((x) => [x.family.name, x.weight]), [['arc-motion', 0.5]]);
  assert.equal(presetMix('derain', 'heldout'), PRESETS.derain.heldout);
  assert.throws(() => presetMix('deblur', 'train', ['wobble']), /unknown degradation family 'wobble'/);
  assert.throws(() => presetMix('deblur', 'train', { defocus: 0 }), /every weight is 0/);
  assert.throws(() => presetMix('dehaze' as 'deblur'), /unknown preset 'dehaze'/);
  assert.throws(() => presetMix('deblur', 'val' as 'train'), /unknown split 'val'/);
  const f: Family = FAMILIES['gaussian-jpeg'];
  assert.equal(f.sample(textured(), new Rng(1)).params.steps instanceof Array, true, 'a chain records its steps');
});
