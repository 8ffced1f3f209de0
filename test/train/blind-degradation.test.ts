import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/tensor/random.js';
import { readImage } from '../../src/io/image.js';
import { convolve } from '../../src/degrade/common.js';
import { FAMILIES, type BlindOptions, type Family } from '../../src/degrade/blind/index.js';
import { blindOptionsOf, blindTrainPair, CleanFoldersDataset, DatasetError, makePlanar } from '../../src/train/data/index.js';
import { OptionsError, parseOptions } from '../../src/train/options.js';
import { Trainer } from '../../src/train/trainer.js';
import { photoPath } from '../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'dm-blind-train-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const quiet = (f: Family) => f.with(f.name, { noise: { kind: 'uniform', range: [0, 0], unit: '', doc: '' } });

test('blind training pairs: a blurred crop is what blurring the whole photo gives there (margin), on 8-bit steps', () => {
  const rng = new Rng(5);
  const [H, W] = [96, 110];
  const photo = makePlanar(3, H, W, Float32Array.from({ length: 3 * H * W }, () => rng.uniform()));
  for (const name of ['linear-motion', 'camera-shake', 'gaussian-aniso', 'defocus']) {
    const o: BlindOptions = { mix: [{ family: quiet(FAMILIES[name]), weight: 1 }], cleanFraction: 0, asUint8: true };
    const { lq, gt, degradation } = blindTrainPair(photo, o, { patchSize: 24, geometricAugs: false }, new Rng(11));
    assert.deepEqual([lq.channels, lq.height, lq.width, gt.height, gt.width], [3, 24, 24, 24, 24]);
    let at: [number, number] | null = null;
    for (let y = 0; y + 24 <= H && !at; y++) for (let x = 0; x + 24 <= W; x++) if (photo.data[y * W + x] === gt.data[0] && photo.data[y * W + x + 1] === gt.data[1]) { at = [y, x]; break; }
    assert.ok(at, `${name}: the target is a crop of the photo`);
    const [y0, x0] = at;
    const whole = convolve(photo, degradation.kernel!);
    let maxDiff = 0;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) {
      const i = (c * H + y0 + y) * W + x0 + x;
      assert.equal(gt.data[(c * 24 + y) * 24 + x], photo.data[i]);
      maxDiff = Math.max(maxDiff, Math.abs(lq.data[(c * 24 + y) * 24 + x] - Math.round(Math.min(1, Math.max(0, whole[i])) * 255) / 255));
    }
    assert.ok(maxDiff < 1e-6, `${name}: the input is the whole photo's blur there (off by ${maxDiff * 255} levels)`);
    assert.ok(lq.data.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), `${name}: on 1/255 steps`);
  }
});

test('blind training pairs: a fresh draw per crop, seeded; clean_fraction of them clean (input = target)', () => {
  const rng = new Rng(1);
  const photo = makePlanar(3, 40, 40, Float32Array.from({ length: 4800 }, () => rng.uniform()));
  const o = blindOptionsOf({ roots: [], preset: 'denoise', families: null, cleanFraction: 0.2, asUint8: true });
  const t = { patchSize: 16, geometricAugs: true };
  const r = new Rng(7);
  const N = 400;
  let clean = 0;
  const families = new Set<string>();
  for (let i = 0; i < N; i++) {
    const p = blindTrainPair(photo, o, t, r);
    families.add(p.degradation.family);
    if (p.degradation.family === 'clean') {
      clean++;
      assert.deepEqual(p.lq.data, p.gt.data, 'clean: input = target');
    }
  }
  const sd = Math.sqrt(N * 0.2 * 0.8);
  assert.ok(Math.abs(clean - N * 0.2) < 4 * sd, `${clean} of ${N} clean`);
  assert.ok(families.size >= 5, `several families drawn (${[...families].join(', ')})`);
  const a = blindTrainPair(photo, o, t, new Rng(3));
  const b = blindTrainPair(photo, o, t, new Rng(3));
  assert.deepEqual(a.lq.data, b.lq.data, 'seeded');
  assert.deepEqual(a.degradation.params, b.degradation.params);
});

test('clean images from several folders; an empty folder is an error naming it', async () => {
  const [a, b, e] = ['a', 'b', 'empty'].map((n) => join(dir, 'folders', n));
  for (const d of [a, b, e]) mkdirSync(d, { recursive: true });
  const px = Buffer.alloc(8 * 6 * 3, 90);
  await sharp(px, { raw: { width: 8, height: 6, channels: 3 } }).png().toFile(join(a, 'x.png'));
  await sharp(px, { raw: { width: 8, height: 6, channels: 3 } }).png().toFile(join(b, 'x.png'));
  await sharp(px, { raw: { width: 8, height: 6, channels: 3 } }).png().toFile(join(b, 'y.png'));
  const ds = CleanFoldersDataset.open({ dirs: [a, b], loader: (p) => readImage(p) });
  assert.equal(ds.length, 3);
  assert.deepEqual([0, 1, 2].map((i) => ds.nameOf(i)), ['a/x.png', 'b/x.png', 'b/y.png']);
  const item = await ds.get(2);
  assert.equal(item.lq, item.gt);
  assert.equal(CleanFoldersDataset.open({ dirs: [a], loader: (p) => readImage(p) }).nameOf(0), 'x.png', 'one folder: plain names');
  assert.throws(() => CleanFoldersDataset.open({ dirs: [a, e], loader: (p) => readImage(p) }), (x: unknown) => x instanceof DatasetError && x.message.includes(e));
});

const file = `
datasets:
  train:
    type: Dataset_BlindDegradation
    preset: derain
    dataroot_gt: ./clean
    batch_size_per_gpu: 2
    gt_size: 32
`;

test('Dataset_BlindDegradation options: defaults, a list of folders, families as names or weights; every bad value named', () => {
  const o = parseOptions(file, { baseDir: '/d' });
  const t = o.datasets.train!;
  assert.deepEqual(t.blind, { roots: ['/d/clean'], preset: 'derain', families: null, cleanFraction: 0.05, asUint8: true });
  assert.equal(t.datarootGt, '/d/clean');
  assert.equal(t.datarootLq, null);
  assert.deepEqual(o.unknown, []);
  const more = parseOptions(file.replace('dataroot_gt: ./clean', 'dataroot_gt: [./a, /b]\n    dataroot_lq: ./x\n    clean_fraction: 0.1\n    as_uint8: false\n    families: { rain-sharp: 2, rain-layered: 0.5 }'), { baseDir: '/d' });
  assert.deepEqual(more.datasets.train!.blind, { roots: ['/d/a', '/b'], preset: 'derain', families: { 'rain-sharp': 2, 'rain-layered': 0.5 }, cleanFraction: 0.1, asUint8: false });
  assert.deepEqual(more.unknown, [], 'family weights are read, not unknown keys');
  assert.ok(more.unsupported.some((u) => u.path === 'datasets.train.dataroot_lq'), 'dataroot_lq is reported as unused');
  assert.deepEqual(blindOptionsOf(more.datasets.train!.blind!).mix.map((m) => [m.family.name, m.weight]), [['rain-sharp', 2], ['rain-layered', 0.5]]);
  const list = parseOptions(file.replace('preset: derain', 'preset: derain\n    families: [rain-motion]')).datasets.train!.blind!;
  assert.deepEqual(list.families, ['rain-motion']);
  assert.deepEqual(parseOptions(file).warnings, []);
  assert.match(parseOptions(file.replace('preset: derain', 'preset: derain\n    families: [rain-sharp, rain-over]')).warnings.join('\n'), /datasets\.train\.families: rain-over is held out of the derain training mix/);

  const bad = (text: string, re: RegExp) => assert.throws(() => parseOptions(text), (e: unknown) => e instanceof OptionsError && re.test(e.message), `expected ${re}`);
  bad(file.replace('    preset: derain\n', ''), /datasets\.train\.preset: is required/);
  bad(file.replace('preset: derain', 'preset: dehaze'), /datasets\.train\.preset: must be one of denoise, derain, deblur, got 'dehaze'/);
  bad(file.replace('preset: derain', 'preset: derain\n    families: [rain-sharp, drizzle]'), /datasets\.train\.families\[1\]: unknown degradation family string "drizzle" \(one of gaussian-rgb/);
  bad(file.replace('preset: derain', 'preset: derain\n    families: { drizzle: 1 }'), /datasets\.train\.families\.drizzle: unknown degradation family/);
  bad(file.replace('preset: derain', 'preset: derain\n    families: { rain-sharp: -1 }'), /datasets\.train\.families\.rain-sharp: must be ≥ 0/);
  bad(file.replace('preset: derain', 'preset: derain\n    families: { rain-sharp: 0 }'), /datasets\.train\.families: every weight is 0/);
  bad(file.replace('preset: derain', 'preset: derain\n    families: []'), /datasets\.train\.families: must not be empty/);
  bad(file.replace('preset: derain', 'preset: derain\n    families: rain-sharp'), /datasets\.train\.families: must be a mapping/);
  bad(file.replace('preset: derain', 'preset: derain\n    clean_fraction: 1'), /datasets\.train\.clean_fraction: must be < 1/);
  bad(file.replace('preset: derain', 'preset: derain\n    clean_fraction: -0.1'), /datasets\.train\.clean_fraction: must be ≥ 0/);
  bad(file.replace('preset: derain', 'preset: derain\n    as_uint8: maybe'), /datasets\.train\.as_uint8: must be true or false/);
  bad(file.replace('dataroot_gt: ./clean', 'dataroot_gt: [./a, 3]'), /datasets\.train\.dataroot_gt\[1\]: must be a folder path/);
  bad(file.replace('dataroot_gt: ./clean', 'dataroot_gt: []'), /datasets\.train\.dataroot_gt: must not be an empty list/);
  bad(`${file}  val:\n    type: Dataset_BlindDegradation\n    dataroot_gt: ./v\n`, /datasets\.val\.type: Dataset_BlindDegradation is for training only; make a fixed validation set with `diff-mamba degrade --preset <task> --split heldout`/);
});

test('the trainer draws blind-degraded crops from clean folders: fresh per crop, 8-bit, seeded', async () => {
  const root = join(dir, 'train');
  mkdirSync(root, { recursive: true });
  for (const n of ['skimage_chelsea.png', 'sklearn_flower.png']) {
    await sharp(photoPath(n)).removeAlpha().resize(72, 72, { fit: 'cover' }).png().toFile(join(root, n));
  }
  const text = `
name: blind
manual_seed: 3
datasets:
  train:
    type: Dataset_BlindDegradation
    preset: deblur
    clean_fraction: 0
    dataroot_gt: [${root}]
    geometric_augs: true
    batch_size_per_gpu: 2
    gt_size: 32
network_g:
  type: DFT
  dim: 8
  num_blocks: [1, 1, 1, 1]
path:
  experiments_root: ${dir}/experiments/blind
train:
  total_iter: 2
  scheduler:
    type: CosineAnnealingRestartCyclicLR
    periods: [2]
    restart_weights: [1]
    eta_mins: [0.0001]
`;
  const opts = parseOptions(text, { baseDir: dir });
  const energy = (x: Float32Array, w: number) => {
    let e = 0;
    for (let i = 1; i < x.length; i++) if (i % w !== 0) e += (x[i] - x[i - 1]) ** 2;
    return e;
  };
  const a = await Trainer.create(opts);
  const b1 = await a.nextBatch();
  const b2 = await a.nextBatch();
  assert.deepEqual([b1.n, b1.c, b1.h, b1.w], [2, 3, 32, 32]);
  assert.ok(energy(b1.lq, 32) < 0.9 * energy(b1.gt, 32), 'the inputs are blurred');
  assert.ok(b1.lq.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), 'on 8-bit steps by default');
  assert.notDeepEqual(b1.lq, b2.lq);
  const again = await Trainer.create(opts);
  assert.deepEqual((await again.nextBatch()).lq, b1.lq, 'seeded by manual_seed');
});
