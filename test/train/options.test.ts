import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkOptionPaths, describeIgnoredKeys, loadOptions, OptionsError, parseOptions } from '../../src/train/options.js';
import { repoRoot } from '../helpers/shared.js';
import { AUTHORS_STYLE } from '../helpers/authors-options.js';



test('authors-style file: typed values, resolved paths, unsupported keys', () => {
  const o = parseOptions(AUTHORS_STYLE, { file: '/opts/Deraining.yml', rootDir: '/repo' });
  assert.equal(o.name, 'Deraining_DFT');
  assert.equal(o.manualSeed, 100);
  const t = o.datasets.train!;
  assert.equal(t.datarootGt, '/opts/Datasets/train/Rain13K/target');
  assert.deepEqual(t.miniBatchSizes, [8, 5, 4, 2, 1, 1]);
  assert.deepEqual(t.gtSizes, [128, 160, 192, 256, 320, 384]);
  assert.equal(t.gtSize, 384);
  assert.equal(o.datasets.val[0].datarootLq, '/opts/Datasets/test/Rain100L/input');
  assert.deepEqual(o.network.numBlocks, [4, 6, 6, 8]);
  assert.equal(o.network.bias, false);
  assert.equal(o.train.optim.type, 'AdamW');
  assert.equal(o.train.optim.lr, 3e-4);
  assert.deepEqual(o.train.scheduler.eta_mins, [3e-4, 1e-6]);
  assert.equal(o.train.emaDecay, 0.999);
  assert.equal(o.train.stage, 'coarse');
  assert.equal(o.val!.valFreq, 4000);
  assert.equal(o.val!.metrics.psnr.testYChannel, true);
  assert.equal(o.logger.saveCheckpointFreq, 4000);
  assert.equal(o.path.paramKey, 'params');
  assert.equal(o.path.experimentsRoot, resolve('/repo/experiments/Deraining_DFT'));
  assert.equal(o.diffusion.samplingTimesteps, 3);
  assert.equal(o.diffusion.numDiffusionTimesteps, 1000);
  const ignored = o.unsupported.map((u) => u.path);
  for (const k of ['num_gpu', 'dist_params', 'logger.wandb', 'logger.use_tb_logger', 'datasets.train.prefetch_mode', 'datasets.train.num_worker_per_gpu', 'path.param_key_g', 'network_g.heads', 'network_g.ffn_factor']) {
    assert.ok(ignored.includes(k), `${k} reported`);
  }
  assert.deepEqual(o.unknown, []);
  assert.ok(describeIgnoredKeys(o).some((l) => l.startsWith('path.param_key_g: ignored')));
});

test('defaults from the spec for a nearly empty file', () => {
  const o = parseOptions('name: x\n');
  assert.deepEqual(o.network, { type: 'DFT', inpChannels: 6, outChannels: 3, dim: 48, numBlocks: [4, 6, 6, 8], ffnExpansionFactor: 2.66, bias: false, layerNormType: 'WithBias', dualPixelTask: false, dState: 32, residualFromInput: false, predictResidual: false });
  assert.equal(parseOptions('network_g:\n  residual_from_input: true\n').network.residualFromInput, true);
  assert.deepEqual(o.train.optim, { type: 'AdamW', lr: 3e-4, weightDecay: 1e-4, betas: [0.9, 0.999], eps: 1e-8 });
  assert.deepEqual(o.train.scheduler, { type: 'CosineAnnealingRestartCyclicLR', periods: [50000, 220000], restart_weights: [1, 1], eta_mins: [3e-4, 1e-5] });
  assert.equal(o.train.totalIter, 270000);
  assert.deepEqual(o.diffusion, { betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02, numDiffusionTimesteps: 1000, samplingTimesteps: 3, eta: 0 });
  assert.deepEqual(o.train.fineLoss, { ssimWeight: 0.84, l1Weight: 0.16, msSsimMaxVal: 255, mseWeight: 0 });
  assert.deepEqual(parseOptions('train:\n  fine_loss:\n    ssim_weight: 0\n    l1_weight: 0\n    mse_weight: 1\n').train.fineLoss, { ssimWeight: 0, l1Weight: 0, msSsimMaxVal: 255, mseWeight: 1 });
  assert.equal(o.datasets.train, null);
});

test('unknown keys are refused with a "did you mean"; allowUnknownKeys lists them instead', () => {
  const text = 'name: x\nfoo: 1\ntrain:\n  bar: {a: 1}\nnetwork_g:\n  dim: 16\n  extra: 2\n';
  assert.throws(() => parseOptions(text, { file: 'f.yml' }), (e: unknown) => e instanceof OptionsError && /^f\.yml: foo: unknown key .*and 2 more unknown keys: train\.bar, network_g\.extra/.test((e as Error).message));
  assert.throws(() => parseOptions('train:\n  totl_iter: 100\n', { file: 'f.yml' }), (e: unknown) => e instanceof OptionsError && e.message === "f.yml: train.totl_iter: unknown key; did you mean 'total_iter'?");
  assert.throws(() => parseOptions('netwrk_g:\n  dim: 16\n'), /netwrk_g: unknown key; did you mean 'network_g'\?/);
  const o = parseOptions(text, { allowUnknownKeys: true });
  assert.deepEqual(o.unknown.sort(), ['foo', 'network_g.extra', 'train.bar']);
});

test('values are checked before any work: channels, schedules, rates, frequencies, sizes', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseOptions(text, { file: 'f.yml' }), (e: unknown) => e instanceof OptionsError && re.test((e as Error).message) && !(e as Error).message.includes('\n'), text);
  bad('network_g:\n  inp_channels: 3\n  out_channels: 1\n', /network_g\.out_channels: must be 3/);
  bad('network_g:\n  inp_channels: 3\n', /network_g\.inp_channels: must be 6/);
  bad('diffusion:\n  beta_start: 0.02\n  beta_end: 0.0001\n', /diffusion\.beta_start: must not exceed beta_end/);
  bad('diffusion:\n  eta: 2\n', /diffusion\.eta: must be ≤ 1/);
  bad('val:\n  val_freq: 10.5\n', /val\.val_freq: must be an integer/);
  bad('logger:\n  print_freq: 0.5\n', /logger\.print_freq: must be an integer/);
  bad('logger:\n  save_checkpoint_freq: 2.5\n', /logger\.save_checkpoint_freq: must be an integer/);
  bad('train:\n  optim_g:\n    lr: 1000\n', /train\.optim_g\.lr: must be ≤ 1/);
  bad('network_g:\n  num_blocks: [1000000, 1, 1, 1]\n', /num_blocks must be four integers from 1 to 64/);
  bad('network_g:\n  dim: 3000\n', /network_g\.dim must be an integer from 1 to 1024/);
  bad('network_g:\n  dim: 512\n', /parameters .* over the limit/);
  bad('network_g:\n  dim: 16\n  ffn_expansion_factor: 0.01\n', /ffn_expansion_factor 0\.01 leaves .* no hidden channels/);
  bad('datasets:\n  train:\n    dataroot_gt: a\n    dataroot_lq: b\n    batch_size_per_gpu: 1000000\n    gt_size: 64\n', /batch_size_per_gpu: must be ≤ 1024/);
  bad('a: &a [*a]\n', /./);
});

test('checkOptionPaths: missing folders, a file for a folder and an unwritable experiment folder are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opts-paths-'));
  try {
    mkdirSync(join(dir, 'gt'));
    mkdirSync(join(dir, 'lq'));
    writeFileSync(join(dir, 'file.png'), 'x');
    const opts = (extra: string) => parseOptions(`datasets:\n  train:\n    dataroot_gt: gt\n    dataroot_lq: lq\n    batch_size_per_gpu: 1\n    gt_size: 64\n${extra}path:\n  experiments_root: exp\n`, { file: join(dir, 'o.yml') });
    checkOptionPaths(opts(''));
    assert.ok(existsSync(join(dir, 'exp', 'models')), 'the experiment folders are made');
    const bad = (o: ReturnType<typeof parseOptions>, re: RegExp) => assert.throws(() => checkOptionPaths(o), (e: unknown) => e instanceof OptionsError && re.test((e as Error).message));
    bad(opts('  val:\n    dataroot_gt: nope\n    dataroot_lq: lq\n'), /datasets\.val\.dataroot_gt: .*nope: no such folder/);
    bad(opts('  val:\n    dataroot_gt: file.png\n    dataroot_lq: lq\n'), /datasets\.val\.dataroot_gt: .*file\.png: is a file, not a folder/);
    if (process.platform === 'linux') {
      const proc = parseOptions('path:\n  experiments_root: /proc/diff-mamba-experiments\n', { file: 'f.yml' });
      const t0 = Date.now();
      assert.throws(() => checkOptionPaths(proc), (e: unknown) => e instanceof OptionsError && /path\.experiments_root: \/proc\/diff-mamba-experiments: cannot create or write/.test((e as Error).message));
      assert.ok(Date.now() - t0 < 5000, 'refused at once, not hung');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hard errors name the key path', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseOptions(text, { file: 'f.yml' }), (e: unknown) => e instanceof OptionsError && re.test((e as Error).message));
  const ds = (extra: string) => `datasets:\n  train:\n    dataroot_gt: a\n    dataroot_lq: b\n    batch_size_per_gpu: 4\n    gt_size: 64\n${extra}`;
  bad(ds('    mini_batch_sizes: [4, 2]\n    gt_sizes: [32]\n    iters: [1, 2]\n'), /datasets\.train\.mini_batch_sizes: .*same length/);
  bad(ds('    mini_batch_sizes: [8]\n    gt_sizes: [32]\n    iters: [1]\n'), /exceeds batch_size_per_gpu/);
  bad(ds('    mini_batch_sizes: [2]\n    gt_sizes: [128]\n    iters: [1]\n'), /datasets\.train\.gt_sizes: .*exceeds gt_size/);
  bad(ds('    use_shuffle: maybe\n'), /datasets\.train\.use_shuffle: must be true or false/);
  bad('network_g:\n  num_blocks: [1, 1, 1]\n', /network_g\.num_blocks: must have 4 entries/);
  bad('train:\n  fine_loss:\n    ssim_weight: 0\n    l1_weight: 0\n', /train\.fine_loss: .*all 0/);
  bad('train:\n  fine_loss:\n    mse_weight: -1\n', /train\.fine_loss\.mse_weight/);
  bad('network_g:\n  dim: sixteen\n', /network_g\.dim: must be a number/);
  bad('network_g:\n  residual_from_input: 1\n', /network_g\.residual_from_input: must be true or false/);
  bad('network_g:\n  type: Restormer\n', /network_g\.type: must be one of DFT/);
  bad('train:\n  optim_g:\n    type: SGD\n', /train\.optim_g\.type/);
  bad('train:\n  scheduler:\n    type: CosineAnnealingRestartCyclicLR\n    periods: [10, 10]\n    restart_weights: [1, 1]\n    eta_mins: [0]\n', /train\.scheduler\.eta_mins/);
  bad('diffusion:\n  beta_schedule: cosine\n', /diffusion\.beta_schedule/);
  bad('scale: 4\n', /^f\.yml: scale: only 1/);
  bad('a: [1\n', /not valid YAML/);
  bad('datasets:\n  test:\n    x: 1\n', /datasets\.test: unknown dataset phase/);
});

test('numbers written without !!float are accepted; io_backend other than disk is reported', () => {
  const o = parseOptions('train:\n  optim_g:\n    lr: 3e-4\n  total_iter: "1000"\ndatasets:\n  val:\n    dataroot_gt: g\n    dataroot_lq: l\n    io_backend:\n      type: lmdb\n');
  assert.equal(o.train.optim.lr, 3e-4);
  assert.equal(o.train.totalIter, 1000);
  assert.ok(o.unsupported.some((u) => u.path === 'datasets.val.io_backend.type' && /lmdb/.test(u.reason)));
});

test('the option files of the bundled models (models/<task>/{coarse,fine,refine,polish,finish}.yml) parse cleanly and chain', () => {
  for (const task of ['denoise', 'derain', 'deblur']) {
    const dir = join(repoRoot(), 'models', task);
    const files = readdirSync(dir);
    const stages = ['coarse', 'fine', 'refine', 'polish', 'finish'].filter((s) => files.includes(`${s}.yml`));
    assert.deepEqual(stages.slice(0, 2), ['coarse', 'fine'], task);
    const opts = stages.map((s) => loadOptions(join(dir, `${s}.yml`)));
    opts.forEach((o, i) => {
      const where = `${task} ${stages[i]}`;
      assert.deepEqual(o.unknown, [], where);
      assert.deepEqual(o.warnings, [], where);
      assert.equal(o.network.dim, 16, where);
      assert.equal(o.train.stage, i === 0 ? 'coarse' : 'fine', where);
      if (i > 0) assert.equal(o.path.pretrainNetworkG, join(opts[i - 1].path.models, 'net_g_latest.safetensors'), where);
      // a fresh cosine per later stage; a stage may stop before its cosine ends (the deblurrer's polish)
      if (i > 1) assert.ok(o.train.totalIter <= (o.train.scheduler.periods ?? []).reduce((a, b) => a + b, 0) && o.train.scheduler.periods?.length === 1, where);
      if (i > 0) assert.ok(Math.min(...o.datasets.train!.gtSizes) >= 32, `${where}: MS-SSIM needs 32 px`);
      const gt = o.datasets.train!.datarootGt;
      assert.ok(gt.startsWith(join(repoRoot(), 'datasets')), `${where}: trains on datasets/ (${gt})`);
      if (i < 3) assert.equal(gt, join(repoRoot(), 'datasets', task, 'train', 'target'), where);
    });
  }
});

test('Dataset_MotionBlur (ours): blur_length / blur_angle ranges and blurred_as_uint8 for training; validation on fixed pairs only', () => {
  const file = `
datasets:
  train:
    type: Dataset_MotionBlur
    blur_length: [5, 17]
    dataroot_gt: ./train/target
    dataroot_lq: ./train/input
    batch_size_per_gpu: 2
    gt_size: 64
  val:
    type: Dataset_PairedImage
    dataroot_gt: ./val/target
    dataroot_lq: ./val/input
`;
  const o = parseOptions(file, { baseDir: '/d' });
  const t = o.datasets.train!;
  assert.deepEqual(t.motionBlur, { length: [5, 17], angle: [0, 180], blurredAsUint8: true });
  assert.equal(t.gaussian, null);
  assert.equal(t.datarootLq, null);
  assert.equal(t.datarootGt, '/d/train/target');
  assert.ok(o.unsupported.some((u) => u.path === 'datasets.train.dataroot_lq'), 'dataroot_lq is reported as unused');
  const other = parseOptions(file.replace('blur_length: [5, 17]', 'blur_length: [9, 9]\n    blur_angle: [-10, 10]\n    blurred_as_uint8: false')).datasets.train!.motionBlur;
  assert.deepEqual(other, { length: [9, 9], angle: [-10, 10], blurredAsUint8: false });
  assert.deepEqual(parseOptions(file.replace('    blur_length: [5, 17]\n', '')).datasets.train!.motionBlur!.length, [7, 31], "degrade's default lengths");
  const bad = (text: string, re: RegExp) => assert.throws(() => parseOptions(text), (e: unknown) => e instanceof OptionsError && re.test(e.message));
  bad(file.replace('[5, 17]', '[17, 5]'), /datasets\.train\.blur_length: .*low ≤ high/);
  bad(file.replace('[5, 17]', '[0, 17]'), /datasets\.train\.blur_length/);
  bad(file.replace('[5, 17]', '[5, 9, 17]'), /datasets\.train\.blur_length/);
  bad(file.replace('blur_length: [5, 17]', 'blur_angle: [90, 0]'), /datasets\.train\.blur_angle: .*low ≤ high/);
  bad(file.replace('    type: Dataset_PairedImage', '    type: Dataset_MotionBlur'), /datasets\.val\.type: Dataset_MotionBlur is for training only/);
});

test("Restormer's Gaussian-denoising data sets: sigma_type / sigma_range for training, sigma_test for validation", () => {
  const file = `
datasets:
  train:
    type: Dataset_GaussianDenoising
    sigma_type: random
    sigma_range: [0, 50]
    in_ch: 3
    dataroot_gt: ./train/DFWB
    dataroot_lq: none
    batch_size_per_gpu: 2
    gt_size: 64
  val:
    type: Dataset_GaussianDenoising
    sigma_test: 25
    in_ch: 3
    dataroot_gt: ./test/CBSD68
    dataroot_lq: none
`;
  const o = parseOptions(file, { baseDir: '/d' });
  const t = o.datasets.train!;
  assert.deepEqual(t.gaussian, { sigmaType: 'random', sigmaRange: [0, 50], noisyAsUint8: false });
  assert.equal(t.datarootLq, null);
  assert.equal(t.datarootGt, '/d/train/DFWB');
  assert.equal(o.datasets.val[0].sigmaTest, 25);
  assert.equal(o.datasets.val[0].datarootLq, null);
  assert.ok(o.unsupported.some((u) => u.path === 'datasets.train.dataroot_lq'), 'dataroot_lq is reported as unused');
  assert.deepEqual(parseOptions(file.replace('sigma_type: random', 'sigma_type: constant').replace('[0, 50]', '15')).datasets.train!.gaussian, { sigmaType: 'constant', sigmaRange: [15], noisyAsUint8: false });
  assert.deepEqual(parseOptions(file.replace('sigma_type: random', 'sigma_type: choice').replace('[0, 50]', '[15, 25, 50]')).datasets.train!.gaussian, { sigmaType: 'choice', sigmaRange: [15, 25, 50], noisyAsUint8: false });
  const as8 = parseOptions(file.replace('in_ch: 3\n    dataroot_gt: ./train', 'in_ch: 3\n    noisy_as_uint8: true\n    dataroot_gt: ./train').replace('sigma_test: 25', 'sigma_test: 25\n    noisy_as_uint8: true'));
  assert.equal(as8.datasets.train!.gaussian!.noisyAsUint8, true);
  assert.equal(as8.datasets.val[0].noisyAsUint8, true);
  assert.equal(o.datasets.val[0].noisyAsUint8, false);
  const bad = (text: string, re: RegExp) => assert.throws(() => parseOptions(text), (e: unknown) => e instanceof OptionsError && re.test(e.message));
  bad(file.replace('[0, 50]', '[50, 0]'), /datasets\.train\.sigma_range: .*low ≤ high/);
  bad(file.replace('sigma_type: random', 'sigma_type: constant'), /datasets\.train\.sigma_range: .*one σ/);
  bad(file.replace('sigma_type: random', 'sigma_type: gamma'), /datasets\.train\.sigma_type: must be one of constant, random, choice/);
  bad(file.replace('in_ch: 3', 'in_ch: 1'), /datasets\.train\.in_ch: only 3/);
  bad(file.replace('in_ch: 3', 'in_ch: 3\n    noisy_as_uint8: maybe'), /datasets\.train\.noisy_as_uint8/);
  bad(file.replace('sigma_test: 25', 'sigma_test: -1'), /datasets\.val\.sigma_test/);
  bad(file.replace('type: Dataset_GaussianDenoising', 'type: Dataset_Unknown'), /datasets\.train\.type: 'Dataset_Unknown' is not supported/);
});
