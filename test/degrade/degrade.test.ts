import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/tensor/random.js';
import { readImage, writeImage } from '../../src/io/image.js';
import { gaussianNoise, lineKernel, makePairs, motionBlur, motionKernel, rainLayer, rainStreaks, type Planar } from '../../src/degrade/index.js';

const dir = mkdtempSync(join(tmpdir(), 'diffmamba-degrade-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function flat(value: number, width = 64, height = 48, channels = 3): Planar {
  return { data: new Float32Array(width * height * channels).fill(value), width, height, channels };
}

function textured(width = 64, height = 48, channels = 3): Planar {
  const data = new Float32Array(width * height * channels);
  for (let c = 0; c < channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    data[(c * height + y) * width + x] = 0.5 + 0.4 * Math.sin(0.3 * x + 0.2 * y + c) * Math.cos(0.17 * y);
  }
  return { data, width, height, channels };
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

test('every degradation is deterministic for a seed and changes with the seed', () => {
  const img = textured();
  const ops = [
    (r: Rng) => gaussianNoise(img, 25, r),
    (r: Rng) => motionBlur(img, {}, r),
    (r: Rng) => rainStreaks(img, {}, r),
  ];
  for (const op of ops) {
    const a = op(new Rng(7)).data;
    const b = op(new Rng(7)).data;
    const c = op(new Rng(8)).data;
    assert.ok(same(a, b), 'same seed, same output');
    assert.ok(!same(a, c), 'another seed, another output');
    assert.ok(!same(a, img.data), 'the image changed');
  }
});

test('gaussian noise: residual std within 3% of sigma on mid-grey, unclipped and clipped', () => {
  const img = flat(0.5, 256, 256, 3);
  for (const sigma of [5, 15, 25, 50]) {
    const out = gaussianNoise(img, sigma, new Rng(sigma), { clip: false });
    let s = 0;
    let s2 = 0;
    for (const v of out.data) {
      const d = (v - 0.5) * 255;
      s += d;
      s2 += d * d;
    }
    const n = out.data.length;
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    assert.ok(Math.abs(std - sigma) < 0.03 * sigma, `sigma ${sigma}: std ${std}`);
    assert.ok(Math.abs(mean) < 0.05 * sigma, `sigma ${sigma}: mean ${mean}`);
  }
  const clipped = gaussianNoise(img, 100, new Rng(1));
  assert.ok(clipped.data.every((v) => v >= 0 && v <= 1));
  assert.ok(gaussianNoise(img, 100, new Rng(1), { clip: false }).data.some((v) => v < 0 || v > 1));
  assert.throws(() => gaussianNoise(img, -1, new Rng(1)), /sigma/);
});

test('degradations carry the other image fields (alpha) through untouched', () => {
  const alpha = new Float32Array(64 * 48).fill(0.25);
  const img = { ...textured(), alpha, bitDepth: 8 as const };
  for (const out of [gaussianNoise(img, 10, new Rng(1)), motionBlur(img, {}, new Rng(1)), rainStreaks(img, {}, new Rng(1))]) {
    assert.equal(out.alpha, alpha);
    assert.equal(out.bitDepth, 8);
    assert.notEqual(out.data, img.data);
  }
});

test('motion kernels sum to 1, are centrally symmetric, lie along the angle, and preserve a flat image', () => {
  for (const [length, angle] of [[1, 0], [5, 0], [9, 90], [15, 30], [21.5, 137], [31, 179]]) {
    const k = lineKernel(length, angle);
    let sum = 0;
    for (const v of k.weights) sum += v;
    assert.ok(Math.abs(sum - 1) < 1e-12, `length ${length} angle ${angle}: sum ${sum}`);
    const n = k.weights.length;
    for (let i = 0; i < n; i++) assert.ok(Math.abs(k.weights[i] - k.weights[n - 1 - i]) < 1e-12);
    // weighted second moments: the principal axis follows the angle
    const r = (k.size - 1) / 2;
    let sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < k.size; i++) for (let j = 0; j < k.size; j++) {
      const w = k.weights[i * k.size + j];
      const x = j - r;
      const y = r - i; // up is positive
      sxx += w * x * x;
      syy += w * y * y;
      sxy += w * x * y;
    }
    if (length >= 5) {
      const theta = (0.5 * Math.atan2(2 * sxy, sxx - syy) * 180) / Math.PI;
      const diff = Math.abs((((theta - angle) % 180) + 270) % 180 - 90);
      assert.ok(diff < 3, `length ${length} angle ${angle}: principal axis ${theta}`);
    }
  }
  const img = flat(0.37, 40, 30, 3);
  const out = motionBlur(img, { length: 17, angle: 33 }, new Rng(3));
  for (const v of out.data) assert.ok(Math.abs(v - 0.37) < 1e-6);
  const k = motionKernel({}, new Rng(5));
  assert.ok(k.length >= 7 && k.length <= 31 && k.angle >= 0 && k.angle < 180);
});

test('motion blur smears along the motion direction only', () => {
  // a single bright dot on black, blurred horizontally: the row gets light, the column does not
  const w = 41;
  const img: Planar = { data: new Float32Array(w * w), width: w, height: w, channels: 1 };
  img.data[20 * w + 20] = 1;
  const out = motionBlur(img, { length: 11, angle: 0 }, new Rng(1)).data;
  assert.ok(out[20 * w + 24] > 0.05);
  assert.equal(out[24 * w + 20], 0);
  let total = 0;
  for (const v of out) total += v;
  assert.ok(Math.abs(total - 1) < 1e-6, 'energy preserved away from the border');
});

/** Separable Gaussian smoothing (σ 2), so thin anti-aliased streaks have well-defined gradients. */
function smooth(l: Float32Array, w: number, h: number): Float64Array {
  const k: number[] = [];
  for (let i = -6; i <= 6; i++) k.push(Math.exp(-(i * i) / 8));
  const s = k.reduce((a, b) => a + b, 0);
  const t = new Float64Array(w * h);
  const o = new Float64Array(w * h);
  const cl = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0;
    for (let i = -6; i <= 6; i++) a += k[i + 6] * l[y * w + cl(x + i, w)];
    t[y * w + x] = a / s;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0;
    for (let i = -6; i <= 6; i++) a += k[i + 6] * t[cl(y + i, h) * w + x];
    o[y * w + x] = a / s;
  }
  return o;
}

/** Streak direction (degrees from vertical, positive = top to the right) from the structure tensor. */
function streakAngle(raw: Float32Array, w: number, h: number): number {
  const layer = smooth(raw, w, h);
  let jxx = 0, jyy = 0, jxy = 0;
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const gx = (layer[y * w + x + 1] - layer[y * w + x - 1]) / 2;
    const gy = -(layer[(y + 1) * w + x] - layer[(y - 1) * w + x]) / 2; // up is positive
    jxx += gx * gx;
    jyy += gy * gy;
    jxy += gx * gy;
  }
  // dominant gradient orientation, from the horizontal; streaks run perpendicular to it
  const grad = 0.5 * Math.atan2(2 * jxy, jxx - jyy);
  const streak = grad + Math.PI / 2; // from horizontal, counter-clockwise
  const fromVertical = 90 - (streak * 180) / Math.PI;
  return ((((fromVertical + 90) % 180) + 180) % 180) - 90;
}

test('rain: streaks follow the requested angle', () => {
  for (const angle of [-30, -10, 0, 15, 40]) {
    const { layer } = rainLayer(160, 160, { density: 0.004, angle, length: 30, width: 1, brightness: 0.8 }, new Rng(11));
    const got = streakAngle(layer, 160, 160);
    assert.ok(Math.abs(got - angle) < 3, `requested ${angle}, measured ${got}`);
  }
});

test('rain: brightens only, stays in [0,1], and density scales the affected fraction', () => {
  const img = textured(128, 128, 3);
  const fractions: number[] = [];
  for (const density of [0.001, 0.004, 0.016]) {
    const out = rainStreaks(img, { density, angle: 10, length: 20, width: 1, brightness: 0.8 }, new Rng(2));
    let affected = 0;
    let meanIn = 0;
    let meanOut = 0;
    for (let i = 0; i < out.data.length; i++) {
      assert.ok(out.data[i] >= img.data[i] - 1e-7 && out.data[i] <= 1);
      if (out.data[i] > img.data[i] + 0.05) affected++;
      meanIn += img.data[i];
      meanOut += out.data[i];
    }
    assert.ok(meanOut > meanIn);
    fractions.push(affected / out.data.length);
  }
  assert.ok(fractions[0] > 0);
  assert.ok(fractions[1] > 2.5 * fractions[0] && fractions[2] > 2.5 * fractions[1], `fractions ${fractions}`);
  // longer streaks cover more
  const short = rainLayer(128, 128, { density: 0.004, angle: 0, length: 8 }, new Rng(3)).layer;
  const long = rainLayer(128, 128, { density: 0.004, angle: 0, length: 32 }, new Rng(3)).layer;
  const cover = (l: Float32Array) => l.filter((v) => v > 0.05).length;
  assert.ok(cover(long) > 2 * cover(short));
  assert.throws(() => rainStreaks(img, { density: 2 }, new Rng(1)), /density/);
});

test('makePairs writes the paired layout, reproducibly, and refuses to overwrite', async () => {
  const src = join(dir, 'clean');
  mkdirSync(src);
  for (const [name, w, h] of [['a', 48, 40], ['b', 64, 64], ['tiny', 16, 16]] as const) {
    await writeImage(join(src, `${name}.png`), textured(w, h, 3));
  }
  await writeImage(join(src, 'c.jpg'), textured(50, 50, 3));
  const opts = { type: 'rain' as const, density: [0.004, 0.01] as const, seed: 5, patch: 32 };
  const r1 = await makePairs(src, join(dir, 'out1'), opts);
  assert.deepEqual(r1.written, ['a', 'b', 'c']);
  assert.equal(r1.skipped.length, 1);
  assert.match(r1.skipped[0].reason, /smaller/);
  for (const name of r1.written) {
    const input = await readImage(join(dir, 'out1', 'input', `${name}.png`));
    const target = await readImage(join(dir, 'out1', 'target', `${name}.png`));
    assert.equal(input.width, 32);
    assert.equal(target.height, 32);
    assert.ok(!same(input.data, target.data));
  }
  const r2 = await makePairs(src, join(dir, 'out2'), opts);
  assert.deepEqual(r2.written, r1.written);
  for (const sub of ['input', 'target']) {
    for (const name of r1.written) {
      assert.deepEqual(readFileSync(join(dir, 'out2', sub, `${name}.png`)), readFileSync(join(dir, 'out1', sub, `${name}.png`)));
    }
  }
  const r3 = await makePairs(src, join(dir, 'out3'), { ...opts, seed: 6 });
  assert.ok(!readFileSync(join(dir, 'out3', 'input', 'a.png')).equals(readFileSync(join(dir, 'out1', 'input', 'a.png'))));
  void r3;
  await assert.rejects(makePairs(src, join(dir, 'out1'), opts), /refusing to overwrite/);
  const forced = await makePairs(src, join(dir, 'out1'), { ...opts, force: true });
  assert.deepEqual(forced.written, r1.written);
  // the other degradations, no patch: full-size pairs
  for (const spec of [{ type: 'noise' as const, sigma: 15 }, { type: 'blur' as const, length: 9, angle: 45 }]) {
    const out = join(dir, `out-${spec.type}`);
    const r = await makePairs(src, out, { ...spec, seed: 1 });
    assert.equal(r.written.length, 4);
    const t = await readImage(join(out, 'target', 'b.png'));
    assert.equal(t.width, 64);
    assert.ok(existsSync(join(out, 'input', 'tiny.png')));
  }
  await assert.rejects(makePairs(join(dir, 'missing'), join(dir, 'x'), { type: 'noise', sigma: 5, seed: 1 }), /no such folder/);
});
