import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/tensor/random.js';
import { readImage, type FloatImage } from '../../src/io/image.js';
import { convolve } from '../../src/degrade/common.js';
import { FAMILIES, makePresetPairs, PRESETS, presetPair, RECORDS_FILE, type BlindOptions, type Family } from '../../src/degrade/blind/index.js';
import { photoPath, repoRoot } from '../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'dm-blind-pairs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

function cleanFolder(): string {
  const clean = join(dir, 'clean');
  mkdirSync(clean, { recursive: true });
  for (const p of ['skimage_chelsea.png', 'skimage_coffee.png', 'sklearn_flower.png']) copyFileSync(photoPath(p), join(clean, p));
  return clean;
}

const quiet = (f: Family) => f.with(f.name, { noise: { kind: 'uniform', range: [0, 0], unit: '', doc: '' } });

test('a patch is degraded as the whole photo would be there (the window reaches the family margin), also at the photo border', () => {
  const rng = new Rng(3);
  const [W, H] = [70, 60];
  const img: FloatImage = { data: Float32Array.from({ length: 3 * W * H }, () => rng.uniform()), width: W, height: H, channels: 3, alpha: null, bitDepth: 8 };
  for (const name of ['linear-motion', 'camera-shake', 'defocus', 'motion-defocus']) {
    const o: BlindOptions = { mix: [{ family: quiet(FAMILIES[name]), weight: 1 }], cleanFraction: 0, asUint8: true };
    for (let s = 0; s < 4; s++) {
      const pair = presetPair(img, o, 24, new Rng(s));
      const { x, y } = pair.record.crop as { x: number; y: number };
      const whole = convolve(img, pair.kernel!);
      let worst = 0;
      for (let c = 0; c < 3; c++) for (let yy = 0; yy < 24; yy++) for (let xx = 0; xx < 24; xx++) {
        const i = (c * H + y + yy) * W + x + xx;
        const j = (c * 24 + yy) * 24 + xx;
        assert.equal(pair.target.data[j], img.data[i], 'the target is the patch');
        worst = Math.max(worst, Math.abs(pair.input.data[j] - Math.round(Math.min(1, Math.max(0, whole[i])) * 255) / 255));
      }
      assert.ok(worst < 1e-6, `${name} seed ${s}: the patch input is the whole photo's blur there, 8-bit (off by ${worst * 255} levels)`);
    }
  }
});

test('makePresetPairs: pairs and degradations.jsonl (one line per pair), reproducible per seed; the held-out split draws held-out families', async () => {
  const clean = cleanFolder();
  const out = join(dir, 'heldout');
  const r = await makePresetPairs(clean, out, { preset: 'derain', split: 'heldout', seed: 5, patch: 64 });
  assert.deepEqual(r.written, ['skimage_chelsea', 'skimage_coffee', 'sklearn_flower']);
  const lines = readFileSync(join(out, RECORDS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  const held = new Set(PRESETS.derain.heldout.map((m) => m.family.name));
  for (const l of lines) {
    assert.ok(held.has(l.family), `${l.family} is a held-out family`);
    assert.equal(l.preset, 'derain');
    assert.equal(l.split, 'heldout');
    assert.equal(l.seed, 5);
    assert.equal(l.crop.size, 64);
    assert.ok(typeof l.params.composite === 'string');
  }
  assert.deepEqual(lines.map((l) => l.file), ['skimage_chelsea.png', 'skimage_coffee.png', 'sklearn_flower.png']);
  const a = await readImage(join(out, 'input', 'skimage_coffee.png'));
  const t = await readImage(join(out, 'target', 'skimage_coffee.png'));
  assert.deepEqual([a.width, a.height], [64, 64]);
  assert.ok(a.data.some((v, i) => v !== t.data[i]), 'the input is degraded');
  // existing outputs (the record too) are refused; --force rewrites the same pairs
  await assert.rejects(makePresetPairs(clean, out, { preset: 'derain', split: 'heldout', seed: 5, patch: 64 }), /output files exist/);
  await makePresetPairs(clean, out, { preset: 'derain', split: 'heldout', seed: 5, patch: 64, force: true });
  assert.deepEqual((await readImage(join(out, 'input', 'skimage_coffee.png'))).data, a.data, 'seeded');
  assert.equal(readFileSync(join(out, RECORDS_FILE), 'utf8').trim().split('\n').length, 3, 'the record is rewritten, not appended to');
  const other = join(dir, 'other');
  await makePresetPairs(clean, other, { preset: 'derain', split: 'heldout', seed: 6, patch: 64 });
  assert.notDeepEqual((await readImage(join(other, 'input', 'skimage_coffee.png'))).data, a.data, 'another seed, other pairs');
  // clean pairs: input = target
  const allClean = join(dir, 'clean-pairs');
  await makePresetPairs(clean, allClean, { preset: 'denoise', seed: 1, patch: 32, cleanFraction: 0.999 });
  const cl = readFileSync(join(allClean, RECORDS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(cl.every((l) => l.family === 'clean'));
  assert.deepEqual((await readImage(join(allClean, 'input', 'sklearn_flower.png'))).data, (await readImage(join(allClean, 'target', 'sklearn_flower.png'))).data);
});

test('diff-mamba degrade --preset: pairs and records; --type keeps working; mixed or bad flags are refused', () => {
  const clean = cleanFolder();
  const out = join(dir, 'cli');
  const r = run('degrade', clean, '-o', out, '--preset', 'deblur', '--split', 'heldout', '--seed', '2', '--patch', '48');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 3 pair\(s\).*deblur heldout.*degradations\.jsonl/);
  const lines = readFileSync(join(out, RECORDS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.every((l) => ['arc-motion', 'motion-defocus'].includes(l.family)), 'held-out blur kernels');
  const typed = run('degrade', clean, '-o', join(dir, 'typed'), '--type', 'blur', '--length', '9', '--seed', '1', '--patch', '32');
  assert.equal(typed.status, 0, typed.stderr);
  assert.match(typed.stdout, /wrote 3 pair\(s\)/);
  const bad = (re: RegExp, ...args: string[]) => {
    const b = run('degrade', clean, '-o', join(dir, 'bad'), ...args);
    assert.equal(b.status, 1, args.join(' '));
    assert.match(b.stderr, re);
  };
  bad(/give --type or --preset, not both/, '--type', 'noise', '--preset', 'denoise');
  bad(/give --type noise\|blur\|rain or --preset/);
  bad(/--preset must be denoise, derain, deblur; got 'dehaze'/, '--preset', 'dehaze');
  bad(/--split must be train or heldout; got 'val'/, '--preset', 'derain', '--split', 'val');
  bad(/--sigma is for --type/, '--preset', 'denoise', '--sigma', '25');
  bad(/--split is for --preset/, '--type', 'noise', '--split', 'heldout');
  bad(/--clean-fraction must be a number in \[0, 1\)/, '--preset', 'denoise', '--clean-fraction', '1');
});
