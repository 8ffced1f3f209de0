import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/tensor/random.js';
import { readImage } from '../../src/io/image.js';
import { convolve } from '../../src/degrade/common.js';
import { lineKernel } from '../../src/degrade/blur.js';
import {
  BatchSampler, CleanFolderDataset, DatasetError, addGaussianNoise, drawSigma, PairedFolderDataset, ProgressiveSchedule, basicsrAugment, collatePairs, geometricTransform, makePlanar,
  blurMargin, mixingAugment, motionBlurTrainPair, padToSize, pairedFolders, pairedRandomCrop, progressiveSubBatch, readImageSize, sampleBeta, trainPairTransform, type Planar, type ImageLoader,
} from '../../src/train/data/index.js';

const ramp = (c: number, h: number, w: number, offset = 0): Planar => makePlanar(c, h, w, Float32Array.from({ length: c * h * w }, (_, i) => i + offset));

test('geometric modes match Restormer data_augmentation (numpy on HWC)', () => {
  // printed by numpy for np.arange(6).reshape(2, 3) through modes 0..7
  const want: [number, number, number[]][] = [
    [2, 3, [0, 1, 2, 3, 4, 5]], [2, 3, [3, 4, 5, 0, 1, 2]], [3, 2, [2, 5, 1, 4, 0, 3]], [3, 2, [0, 3, 1, 4, 2, 5]],
    [2, 3, [5, 4, 3, 2, 1, 0]], [2, 3, [2, 1, 0, 5, 4, 3]], [3, 2, [3, 0, 4, 1, 5, 2]], [3, 2, [5, 2, 4, 1, 3, 0]],
  ];
  const img = ramp(2, 2, 3); // channel 1 = channel 0 + 6
  want.forEach(([h, w, v], mode) => {
    const o = geometricTransform(img, mode);
    assert.deepEqual([o.height, o.width], [h, w], `mode ${mode}`);
    assert.deepEqual(Array.from(o.data), [...v, ...v.map((x) => x + 6)], `mode ${mode}`);
  });
  assert.throws(() => geometricTransform(img, 8), /0\.\.7/);
});

test('basicsrAugment applies the same flips to every image', () => {
  const a = ramp(1, 3, 4);
  const b = ramp(1, 3, 4, 100);
  for (let s = 0; s < 8; s++) {
    const [oa, ob] = basicsrAugment([a, b], new Rng(s));
    assert.deepEqual(Array.from(ob.data), Array.from(oa.data).map((x) => x + 100));
  }
});

test('reflect padding (cv2 BORDER_REFLECT) and paired crops', () => {
  const img = ramp(1, 2, 3);
  const p = padToSize(img, 5);
  assert.deepEqual([p.height, p.width], [5, 5]);
  // rows: 0 1 | 1 0 0 ; cols: 0 1 2 | 2 1
  assert.deepEqual(Array.from(p.data.subarray(0, 5)), [0, 1, 2, 2, 1]);
  assert.deepEqual(Array.from(p.data.subarray(10, 15)), [3, 4, 5, 5, 4]);
  assert.deepEqual(Array.from(p.data.subarray(15, 20)), [0, 1, 2, 2, 1]);
  assert.equal(padToSize(img, 2), img);
  const lq = ramp(3, 20, 30);
  const gt = ramp(3, 20, 30, 0.5);
  const [cl, cg] = pairedRandomCrop(lq, gt, 8, new Rng(3));
  assert.deepEqual(Array.from(cg.data), Array.from(cl.data).map((x) => x + 0.5));
  assert.throws(() => pairedRandomCrop(lq, ramp(3, 20, 29), 8, new Rng(1)), /lq is 20×30 but gt is 20×29/);
  const [tl, tg] = trainPairTransform(ramp(3, 6, 7), ramp(3, 6, 7, 0.25), { patchSize: 8, geometricAugs: true }, new Rng(5));
  assert.deepEqual([tl.height, tl.width, tg.height], [8, 8, 8]);
  assert.deepEqual(Array.from(tg.data), Array.from(tl.data).map((x) => x + 0.25));
});

test('progressive schedule: stage j = first with iter <= cumsum(iters)', () => {
  const s = new ProgressiveSchedule([3, 2, 4], [8, 4, 2], [32, 48, 64]);
  const at = (i: number) => [s.stageAt(i).batchSize, s.stageAt(i).patchSize];
  assert.deepEqual([1, 3, 4, 5, 6, 9, 100].map(at), [[8, 32], [8, 32], [4, 48], [4, 48], [2, 64], [2, 64], [2, 64]]);
  assert.throws(() => new ProgressiveSchedule([1, 2], [1], [8, 8]), /same length/);
  // a loaded batch of 4 crops of 16 px reduced to 2 × 8 px: one window for all, a random subset
  const items = [0, 1, 2, 3].map((k) => ({ lq: ramp(3, 16, 16, 1000 * k), gt: ramp(3, 16, 16, 1000 * k + 0.5) }));
  const batch = collatePairs(items);
  const sub = progressiveSubBatch(batch, { batchSize: 2, patchSize: 8 }, new Rng(11));
  assert.deepEqual([sub.n, sub.c, sub.h, sub.w], [2, 3, 8, 8]);
  const picked = [0, 1].map((i) => Math.floor(sub.lq[i * 192] / 1000));
  assert.notEqual(picked[0], picked[1]);
  const x0 = Math.floor((sub.lq[0] % 1000) / 16);
  const y0 = (sub.lq[0] % 1000) % 16;
  for (let i = 0; i < 2; i++) {
    assert.equal(sub.lq[i * 192] % 1000, x0 * 16 + y0, 'same window for every item');
    assert.equal(sub.gt[i * 192 + 5], sub.lq[i * 192 + 5] + 0.5);
  }
  const same = progressiveSubBatch(batch, { batchSize: 4, patchSize: 16 }, new Rng(1));
  assert.deepEqual(same.lq, batch.lq);
});

test('BatchSampler: epochs, drop_last, enlarge ratio, exact resume', () => {
  const s = new BatchSampler(10, 3, { seed: 42 });
  assert.equal(s.batchesPerEpoch, 3);
  const epoch0 = [s.next(), s.next(), s.next()];
  const seen = epoch0.flatMap((b) => b.indices);
  assert.equal(new Set(seen).size, 9);
  assert.equal(s.next().epoch, 1);
  const saved = JSON.parse(JSON.stringify(s.state()));
  const rest = [s.next(), s.next(), s.next(), s.next()];
  const r = new BatchSampler(10, 3, { seed: 999 });
  r.loadState(saved);
  assert.deepEqual([r.next(), r.next(), r.next(), r.next()], rest);
  const e = new BatchSampler(3, 2, { seed: 1, enlargeRatio: 4 });
  assert.equal(e.batchesPerEpoch, 6);
  const counts = [0, 0, 0];
  for (let k = 0; k < 6; k++) for (const i of e.next().indices) counts[i]++;
  assert.deepEqual(counts, [4, 4, 4]);
  assert.throws(() => new BatchSampler(2, 3), /cannot fill one batch/);
  assert.throws(() => r.loadState({ ...saved, batchSize: 4 }), /batch size 4 vs 3/);
  const ordered = new BatchSampler(4, 2, { shuffle: false });
  assert.deepEqual([ordered.next().indices, ordered.next().indices], [[0, 1], [2, 3]]);
});

test('mixup: Beta(1.2, 1.2) mixing with one lam and permutation for lq and gt', () => {
  const rng = new Rng(2024);
  let sum = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) {
    const v = sampleBeta(1.2, 1.2, rng);
    assert.ok(v > 0 && v < 1);
    sum += v;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.02);
  const batch = collatePairs([0, 1, 2].map((k) => ({ lq: ramp(1, 2, 2, 10 * k), gt: ramp(1, 2, 2, 10 * k + 100) })));
  const { batch: out, lam, perm } = mixingAugment(batch, { beta: 1.2, useIdentity: false }, new Rng(7));
  assert.ok(lam !== null && perm !== null);
  for (let i = 0; i < 3; i++) {
    for (let k = 0; k < 4; k++) {
      assert.ok(Math.abs(out.lq[i * 4 + k] - (lam! * batch.lq[i * 4 + k] + (1 - lam!) * batch.lq[perm![i] * 4 + k])) < 1e-4);
      assert.ok(Math.abs(out.gt[i * 4 + k] - out.lq[i * 4 + k] - 100) < 1e-3);
    }
  }
  let identity = 0;
  const r = new Rng(5);
  for (let i = 0; i < 200; i++) if (mixingAugment(batch, { beta: 1.2, useIdentity: true }, r).lam === null) identity++;
  assert.ok(identity > 70 && identity < 130, `identity ${identity}/200`);
});

async function writeImg(path: string, w: number, h: number, fmt: 'png' | 'jpeg'): Promise<void> {
  const img = sharp(Buffer.alloc(w * h * 3, 128), { raw: { width: w, height: h, channels: 3 } });
  writeFileSync(path, await (fmt === 'png' ? img.png() : img.jpeg()).toBuffer());
}

// the real decoder satisfies the injected loader type
const loader: ImageLoader = readImage;

test('paired folders: matched by name, problems listed in both directions', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dm-pairs-'));
  try {
    const { dirLq, dirGt } = pairedFolders(root);
    mkdirSync(dirLq);
    mkdirSync(dirGt);
    await writeImg(join(dirLq, 'a.png'), 12, 10, 'png');
    await writeImg(join(dirGt, 'a.png'), 12, 10, 'png');
    await writeImg(join(dirLq, 'b.jpg'), 20, 16, 'jpeg');
    await writeImg(join(dirGt, 'b.jpg'), 20, 16, 'jpeg');
    writeFileSync(join(dirGt, 'notes.txt'), 'ignored');
    assert.deepEqual(readImageSize(join(dirLq, 'a.png')), { width: 12, height: 10 });
    assert.deepEqual(readImageSize(join(dirLq, 'b.jpg')), { width: 20, height: 16 });
    assert.equal(readImageSize(join(dirGt, 'notes.txt')), null);
    const ds = await PairedFolderDataset.open({ dirLq, dirGt, loader: loader });
    assert.equal(ds.length, 2);
    const item = await ds.get(1);
    assert.equal(item.name, 'b.jpg');
    assert.deepEqual([item.lq.channels, item.lq.height, item.lq.width], [3, 16, 20]);
    // unpaired in both directions
    await writeImg(join(dirLq, 'only_in.png'), 12, 10, 'png');
    await writeImg(join(dirGt, 'only_gt.png'), 12, 10, 'png');
    await assert.rejects(PairedFolderDataset.open({ dirLq, dirGt, loader: loader }), (e: unknown) => {
      assert.ok(e instanceof DatasetError);
      assert.equal(e.problems.length, 2);
      assert.match(e.message, /target only_gt\.png has no input only_gt\.png/);
      assert.match(e.message, /input only_in\.png has no matching target/);
      return true;
    });
    rmSync(join(dirLq, 'only_in.png'));
    rmSync(join(dirGt, 'only_gt.png'));
    // size mismatch, found from the headers before any decoding
    await writeImg(join(dirLq, 'c.png'), 12, 10, 'png');
    await writeImg(join(dirGt, 'c.png'), 12, 11, 'png');
    await assert.rejects(PairedFolderDataset.open({ dirLq, dirGt, loader: loader }), /c\.png: input 12×10, target 12×11/);
    // without the up-front check the pair fails when it loads
    const lazy = await PairedFolderDataset.open({ dirLq, dirGt, loader: loader, sizeOf: false });
    await assert.rejects(lazy.get(2), /pair c\.png has different sizes/);
    await assert.rejects(PairedFolderDataset.open({ dirLq: join(root, 'nope'), dirGt, loader: loader }), /cannot read the input \(lq\) folder/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Gaussian-denoising noise: σ drawn as configured, N(0, σ/255) added without clipping', () => {
  const rng = new Rng(3);
  const draws = Array.from({ length: 2000 }, () => drawSigma({ sigmaType: 'random', sigmaRange: [0, 50] }, rng));
  assert.ok(Math.min(...draws) >= 0 && Math.max(...draws) <= 50 && Math.min(...draws) < 2 && Math.max(...draws) > 48, 'uniform over [0, 50]');
  assert.equal(drawSigma({ sigmaType: 'constant', sigmaRange: [25] }, rng), 25);
  const picks = new Set(Array.from({ length: 200 }, () => drawSigma({ sigmaType: 'choice', sigmaRange: [15, 25, 50] }, rng)));
  assert.deepEqual([...picks].sort((a, b) => a - b), [15, 25, 50]);

  const img = makePlanar(3, 64, 64, new Float32Array(3 * 64 * 64).fill(0.98));
  const noisy = addGaussianNoise(img, 25, new Rng(1));
  let mean = 0;
  for (const v of noisy.data) mean += v - 0.98;
  mean /= noisy.data.length;
  let sd = 0;
  for (const v of noisy.data) sd += (v - 0.98 - mean) ** 2;
  sd = Math.sqrt(sd / noisy.data.length);
  assert.ok(Math.abs(mean) < 0.002 && Math.abs(sd - 25 / 255) < 0.003, `mean ${mean}, sd ${sd * 255}/255`);
  assert.ok(noisy.data.some((v) => v > 1), 'values above 1 are kept, as Restormer');
  assert.equal(img.data[0], Math.fround(0.98), 'the input image is left untouched');
  assert.deepEqual(addGaussianNoise(img, 25, new Rng(1)).data, noisy.data, 'seeded');

  const as8 = addGaussianNoise(img, 25, new Rng(1), true);
  assert.ok(as8.data.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), 'noisy_as_uint8: clipped to [0, 1], on 1/255 steps');
  const same = noisy.data.findIndex((v) => v > 0.1 && v < 0.9);
  assert.ok(Math.abs(as8.data[same] - noisy.data[same]) <= 0.5 / 255 + 1e-6, 'inside the range only rounding changes a value');
  assert.ok(as8.data.some((v) => v === 1), 'values above 1 are clipped to 1');
});

test('motion-blur data set: each crop blurred with its own kernel, as blurring the whole photo would, on 8-bit steps', () => {
  const rng = new Rng(5);
  const [H, W] = [90, 110];
  const photo = makePlanar(3, H, W, Float32Array.from({ length: 3 * H * W }, () => rng.uniform()));
  const fixed = { length: [9, 9] as const, angle: [30, 30] as const, blurredAsUint8: true };
  assert.equal(blurMargin({ length: [5, 17] }), 9);
  assert.equal(blurMargin({ length: [5, 17] }) * 2 + 1, lineKernel(17, 37).size, 'the margin is the widest kernel radius');
  const whole = convolve(photo, lineKernel(9, 30));
  const [lq, gt] = motionBlurTrainPair(photo, fixed, { patchSize: 24, geometricAugs: false }, new Rng(11));
  assert.deepEqual([lq.channels, lq.height, lq.width, gt.height, gt.width], [3, 24, 24, 24, 24]);
  // find the crop in the photo, then compare with the blur of the whole photo there
  let at: [number, number] | null = null;
  for (let y = 0; y + 24 <= H && !at; y++) for (let x = 0; x + 24 <= W; x++) if (photo.data[y * W + x] === gt.data[0] && photo.data[y * W + x + 1] === gt.data[1]) { at = [y, x]; break; }
  assert.ok(at, 'the target is a crop of the photo');
  const [y0, x0] = at;
  let maxDiff = 0;
  for (let c = 0; c < 3; c++) for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) {
    const i = (c * H + y0 + y) * W + x0 + x;
    assert.equal(gt.data[(c * 24 + y) * 24 + x], photo.data[i]);
    const want = Math.round(Math.min(1, Math.max(0, whole[i])) * 255) / 255;
    maxDiff = Math.max(maxDiff, Math.abs(lq.data[(c * 24 + y) * 24 + x] - want));
  }
  assert.ok(maxDiff < 1e-7, `the input is the whole photo's blur there, 8-bit (off by ${maxDiff * 255} levels)`);
  assert.ok(lq.data.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), 'on 1/255 steps');
  const [lqF] = motionBlurTrainPair(photo, { ...fixed, blurredAsUint8: false }, { patchSize: 24, geometricAugs: false }, new Rng(11));
  assert.ok(lqF.data.some((v) => Math.abs(v * 255 - Math.round(v * 255)) > 0.01), 'blurred_as_uint8 false keeps the float blur');
  assert.ok(Math.max(...lqF.data.map((v, i) => Math.abs(v - lq.data[i]))) <= 0.5 / 255 + 1e-6, 'rounding is the only difference');

  // fresh kernels: two draws from one generator blur the same crop differently; seeded draws repeat
  const flat = makePlanar(3, 40, 40, new Float32Array(3 * 1600).fill(0.5));
  const [lqFlat] = motionBlurTrainPair(flat, { length: [5, 17], angle: [0, 180], blurredAsUint8: true }, { patchSize: 16, geometricAugs: true }, new Rng(2));
  assert.ok(lqFlat.data.every((v) => Math.abs(v - 128 / 255) < 1e-6), 'a flat photo stays flat');
  const stripes = makePlanar(1, 60, 60, Float32Array.from({ length: 3600 }, (_, i) => ((i % 60) + Math.floor(i / 60)) % 2));
  const r = new Rng(9);
  const t = { patchSize: 16, geometricAugs: false };
  const o = { length: [5, 17] as const, angle: [0, 180] as const, blurredAsUint8: false };
  const a = motionBlurTrainPair(stripes, o, t, r)[0].data;
  const b = motionBlurTrainPair(stripes, o, t, r)[0].data;
  assert.notDeepEqual(a, b, 'each crop gets its own kernel');
  assert.deepEqual(motionBlurTrainPair(stripes, o, t, new Rng(9))[0].data, a, 'seeded');
});

test('clean-folder data set: every image of dataroot_gt, as both input and target', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dm-clean-'));
  try {
    const px = Buffer.alloc(8 * 6 * 3, 200);
    await sharp(px, { raw: { width: 8, height: 6, channels: 3 } }).png().toFile(join(dir, 'b.png'));
    await sharp(px, { raw: { width: 8, height: 6, channels: 3 } }).png().toFile(join(dir, 'a.png'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const ds = CleanFolderDataset.open({ dir, loader: (p) => readImage(p) });
    assert.equal(ds.length, 2);
    assert.equal(ds.nameOf(0), 'a.png');
    const it = await ds.get(1);
    assert.equal(it.name, 'b.png');
    assert.equal(it.lq, it.gt);
    assert.deepEqual([it.gt.channels, it.gt.height, it.gt.width], [3, 6, 8]);
    assert.throws(() => CleanFolderDataset.open({ dir: join(dir, 'missing'), loader: (p) => readImage(p) }), /cannot read the target \(gt\) folder .*missing/);
    mkdirSync(join(dir, 'empty'));
    assert.throws(() => CleanFolderDataset.open({ dir: join(dir, 'empty'), loader: (p) => readImage(p) }), /no images/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
