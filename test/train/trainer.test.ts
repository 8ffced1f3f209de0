import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseOptions } from '../../src/train/options.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/tensor/random.js';
import { photoPath } from '../helpers/shared.js';
import { availableBackends, withBackendAsync } from '../tensor/backends.js';

/** Writes noisy/clean 64×64 crops of a few committed photos as input/ and target/ folders. */
async function makePairs(root: string, names: string[], sigma: number, seed: number): Promise<void> {
  mkdirSync(join(root, 'input'), { recursive: true });
  mkdirSync(join(root, 'target'), { recursive: true });
  const rng = new Rng(seed);
  for (const n of names) {
    const { data, info } = await sharp(photoPath(n)).removeAlpha().resize(64, 64, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
    const noisy = Buffer.from(data.map((v) => Math.max(0, Math.min(255, Math.round(v + rng.normal() * sigma)))));
    await sharp(data, { raw: { width: 64, height: 64, channels: info.channels } }).png().toFile(join(root, 'target', n));
    await sharp(noisy, { raw: { width: 64, height: 64, channels: info.channels } }).png().toFile(join(root, 'input', n));
  }
}

function options(dir: string, o: { name: string; iters: number; stage?: 'coarse' | 'fine'; lr?: number; pretrain?: string; valFreq?: number; saveFreq?: number; patch?: number }): string {
  const patch = o.patch ?? 32;
  return `
name: ${o.name}
manual_seed: 7
datasets:
  train:
    name: t
    type: Dataset_PairedImage
    dataroot_gt: ${dir}/train/target
    dataroot_lq: ${dir}/train/input
    geometric_augs: true
    use_shuffle: true
    batch_size_per_gpu: 2
    mini_batch_sizes: [2]
    iters: [${o.iters}]
    gt_size: ${patch}
    gt_sizes: [${patch}]
  val:
    name: v
    type: Dataset_PairedImage
    dataroot_gt: ${dir}/val/target
    dataroot_lq: ${dir}/val/input
network_g:
  type: DFT
  dim: 8
  num_blocks: [1, 1, 1, 1]
path:
  pretrain_network_g: ${o.pretrain ?? '~'}
  experiments_root: ${dir}/experiments/${o.name}
train:
  stage: ${o.stage ?? 'coarse'}
  total_iter: ${o.iters}
  warmup_iter: -1
  use_grad_clip: false
  scheduler:
    type: CosineAnnealingRestartCyclicLR
    periods: [${o.iters}]
    restart_weights: [1]
    eta_mins: [${(o.lr ?? 2e-3) / 2}]
  mixing_augs:
    mixup: false
  optim_g:
    type: AdamW
    lr: ${o.lr ?? 2e-3}
    weight_decay: 0
    betas: [0.9, 0.999]
  pixel_opt:
    type: L1Loss
    loss_weight: 1
  ema_decay: 0.9
diffusion:
  beta_schedule: linear
  beta_start: 0.0001
  beta_end: 0.02
  num_diffusion_timesteps: 1000
  sampling_timesteps: 3
val:
  val_freq: ${o.valFreq ?? 1000000}
  metrics:
    psnr:
      type: calculate_psnr
      crop_border: 0
      test_y_channel: false
logger:
  print_freq: 1000
  save_checkpoint_freq: ${o.saveFreq ?? 1000000}
`;
}

describe('training (tiny model, noisy photo crops)', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dm-train-'));
    await makePairs(join(dir, 'train'), ['mate_aqua.png', 'plasma_kite.png', 'skimage_coffee.png', 'sklearn_flower.png'], 25, 1);
    await makePairs(join(dir, 'val'), ['skimage_chelsea.png'], 25, 2);
  });

  it('the coarse loss falls well below its start; checkpoints, logs and curves are written', async () => {
    const opts = parseOptions(options(dir, { name: 'coarse', iters: 150 }), { baseDir: dir });
    const t = await Trainer.create(opts);
    await t.run();
    const l = t.history.losses.map(([, v]) => v);
    const first = l.slice(0, 15).reduce((a, b) => a + b) / 15;
    const last = l.slice(-15).reduce((a, b) => a + b) / 15;
    console.log(`coarse loss: mean of the first 15 iterations ${first.toFixed(4)}, of the last 15 ${last.toFixed(4)}`);
    assert.ok(last < 0.7 * first, `loss fell from ${first} to ${last} only`);
    const exp = join(dir, 'experiments', 'coarse');
    assert.ok(existsSync(join(exp, 'models', 'net_g_latest.safetensors')));
    assert.ok(existsSync(join(exp, 'training_states', '150.state')));
    assert.ok(existsSync(join(exp, 'curves.png')));
    assert.ok(readdirSync(exp).some((f) => f.endsWith('.log')));
  });

  it('a 40-iteration coarse run gives the same loss curve on every compiled backend as on native (within f32 drift)', async () => {
    // webgpu on SwiftShader (no GPU: the shaders run on the CPU) takes seconds per step: it runs the schedule's first 8
    const stepsOn = (name: string) => (name === 'webgpu' ? 8 : 40);
    const curve = async (name: string, steps: number) => {
      const ac = new AbortController();
      let count = 0;
      const t = await Trainer.create(parseOptions(options(dir, { name: `curve-${name}`, iters: 40 }), { baseDir: dir }), {
        onIteration: () => {
          if (++count === steps) ac.abort();
        },
      });
      await t.run(ac.signal);
      return t.history.losses.map(([, v]) => v);
    };
    const backends = availableBackends();
    // js is the reference of every kernel test but 20× slower; native stands in for it where it loads
    const reference = backends.includes('native') ? 'native' : 'js';
    const want = await withBackendAsync(reference, () => curve(reference, 40));
    assert.equal(want.length, 40);
    for (const name of backends.filter((b) => b !== 'js' && b !== reference)) {
      const t0 = performance.now();
      const got = await withBackendAsync(name, () => curve(name, stepsOn(name)));
      assert.equal(got.length, stepsOn(name), `${name} ran ${got.length} iterations`);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 2e-3 * Math.abs(want[i]) + 1e-5, `${name} iteration ${i + 1}: loss ${v}, ${reference} ${want[i]}`));
      const worst = Math.max(...got.map((v, i) => Math.abs(v - want[i]) / Math.abs(want[i])));
      console.log(`${name}: ${got.length} iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s; largest relative loss difference from ${reference} ${worst.toExponential(2)}`);
    }
  });

  it('an interrupted run resumed from its checkpoint reaches bit-identical weights', async () => {
    const straight = await Trainer.create(parseOptions(options(dir, { name: 'straight', iters: 6 }), { baseDir: dir }));
    await straight.run();
    const ac = new AbortController();
    let count = 0;
    const hooked = await Trainer.create(parseOptions(options(dir, { name: 'split', iters: 6 }), { baseDir: dir }), {
      onIteration: () => {
        if (++count === 3) ac.abort();
      },
    });
    const r = await hooked.run(ac.signal);
    assert.equal(r.stopped, true);
    assert.equal(r.iter, 3);
    const resumed = await Trainer.create(parseOptions(options(dir, { name: 'split', iters: 6 }), { baseDir: dir }), {}, join(dir, 'experiments', 'split', 'training_states', '3.state'));
    assert.equal(resumed.iter, 3);
    await resumed.run();
    const a = straight.model.parameters();
    const b = resumed.model.parameters();
    a.forEach((p, i) => assert.deepEqual(b[i].data, p.data, `parameter ${p.name} differs after resume`));
    straight.ema.shadow.forEach((s, i) => assert.deepEqual(resumed.ema.shadow[i], s, `EMA ${i} differs after resume`));
  });

  it("Restormer's Gaussian-denoising data set: noise of the configured σ is added to clean crops; validation uses fixed-seed noise", async () => {
    const text = options(dir, { name: 'gauss', iters: 2, valFreq: 2 })
      .replace(/type: Dataset_PairedImage\n {4}dataroot_gt: (.*)\n {4}dataroot_lq: .*\n {4}geometric_augs/, 'type: Dataset_GaussianDenoising\n    sigma_type: constant\n    sigma_range: 25\n    dataroot_gt: $1\n    geometric_augs')
      .replace(/type: Dataset_PairedImage\n {4}dataroot_gt: (.*)\n {4}dataroot_lq: .*\n/, 'type: Dataset_GaussianDenoising\n    sigma_test: 50\n    dataroot_gt: $1\n');
    const opts = parseOptions(text, { baseDir: dir });
    assert.ok(opts.datasets.train!.gaussian && opts.datasets.val[0].sigmaTest === 50, 'both data sets are Gaussian');
    const t = await Trainer.create(opts);
    const b = await t.nextBatch();
    let sq = 0;
    for (let i = 0; i < b.lq.length; i++) sq += (b.lq[i] - b.gt[i]) ** 2;
    const sigma = Math.sqrt(sq / b.lq.length) * 255;
    assert.ok(Math.abs(sigma - 25) < 1.5, `the input differs from the target by noise of σ ${sigma.toFixed(2)}`);
    await t.run();
    const v1 = (await t.validate())!;
    const v2 = (await t.validate())!;
    assert.ok(Number.isFinite(v1) && v1 === v2, `validation is repeatable (${v1}, ${v2})`);
  });

  it('motion-blur data set (ours): the input of each crop is the clean crop blurred by a fresh kernel', async () => {
    const text = options(dir, { name: 'blur', iters: 2, valFreq: 2 })
      .replace(/type: Dataset_PairedImage\n {4}dataroot_gt: (.*)\n {4}dataroot_lq: .*\n {4}geometric_augs/, 'type: Dataset_MotionBlur\n    blur_length: [9, 15]\n    dataroot_gt: $1\n    geometric_augs');
    const opts = parseOptions(text, { baseDir: dir });
    assert.ok(opts.datasets.train!.motionBlur, 'the training set is motion blur');
    const t = await Trainer.create(opts);
    const b = await t.nextBatch();
    const energy = (x: Float32Array) => {
      let e = 0;
      for (let i = 1; i < x.length; i++) if (i % b.w !== 0) e += (x[i] - x[i - 1]) ** 2 + (i >= b.w ? (x[i] - x[i - b.w]) ** 2 : 0);
      return e;
    };
    assert.ok(energy(b.lq) < 0.8 * energy(b.gt), `the input is blurred (gradient energy ${energy(b.lq).toFixed(3)} vs ${energy(b.gt).toFixed(3)})`);
    assert.ok(b.lq.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), 'on 8-bit steps by default');
    const r = await t.run();
    assert.equal(r.iter, 2);
    assert.ok(Number.isFinite(r.lastLoss) && r.lastPsnr !== null && Number.isFinite(r.lastPsnr));
  });

  it('a fine stage started from the coarse weights improves the restored PSNR', async () => {
    const coarse = join(dir, 'experiments', 'coarse', 'models', 'net_g_latest.safetensors');
    const t = await Trainer.create(parseOptions(options(dir, { name: 'fine', iters: 12, stage: 'fine', lr: 5e-4, pretrain: coarse }), { baseDir: dir }));
    // start the EMA at the loaded weights so the validation before and after compare like with like
    t.ema.decay = 0;
    t.ema.update();
    t.ema.decay = 0.5;
    const before = (await t.validate())!;
    await t.run();
    const after = (await t.validate())!;
    assert.ok(after > before + 0.2, `fine stage PSNR ${before.toFixed(2)} → ${after.toFixed(2)} dB`);
  });
});
