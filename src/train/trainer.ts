import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import * as F from '../tensor/ops/index.js';
import { Rng } from '../tensor/random.js';
import { DFT } from '../model/dft.js';
import { describeBadValues, EXPLODED_WEIGHT, findBadValues, loadModel, saveModel } from '../model/checkpoint.js';
import { NoiseSchedule } from '../diffusion/schedule.js';
import { antitheticTimesteps } from '../diffusion/timesteps.js';
import { readImage } from '../io/image.js';
import { coarseLoss, fineLoss } from './losses/index.js';
import { clipGradNorm, OPTIMIZERS, type Optimizer } from './optim/index.js';
import { createScheduler, updateLearningRate, type LrScheduler } from './lr-scheduler.js';
import { Ema } from './ema.js';
import { checkOptionPaths, type TrainOptions } from './options.js';
import { networkConfig } from './network-config.js';
import { loadTrainingState, saveTrainingState, TrainingError, TrainingStateError, type TrainingState } from './state.js';
import { writeCurves } from './plot.js';
import { psnrOf, sampleImage } from './validate.js';
import { BatchSampler } from './data/sampler.js';
import { ProgressiveSchedule, progressiveSubBatch } from './data/progressive.js';
import { collatePairs, mixingAugment, trainPairTransform, type PairBatch } from './data/augment.js';
import { PairedFolderDataset, type TrainingDataset } from './data/paired-folder.js';
import { CleanFolderDataset } from './data/clean-folder.js';
import { addGaussianNoise, drawSigma } from './data/gaussian-noise.js';
import { motionBlurTrainPair } from './data/motion-blur.js';
import { blindOptionsOf, blindTrainPair, CleanFoldersDataset } from './data/blind-degradation.js';
import type { BlindOptions } from '../degrade/blind/pipeline.js';
import type { Planar } from '../io/planar.js';
import { noisePredictor } from '../diffusion/predictor.js';

export interface IterationInfo {
  iter: number;
  total: number;
  loss: number;
  lr: number;
  /** Iterations per second over the run so far (this session). */
  itPerSec: number;
  batch: number;
  patch: number;
}

export interface TrainerHooks {
  onIteration?: (i: IterationInfo) => void;
  /** A human-readable line (also written to the log file). */
  onLog?: (line: string) => void;
}

export interface TrainResult {
  iter: number;
  stopped: boolean;
  lastLoss: number;
  lastPsnr: number | null;
}

/**
 * The two-stage training loop, as the authors' BasicSR model runs it: per iteration the LR
 * update, a progressive batch with crops / flips / mixup, the coarse (ε-prediction L1) or
 * fine (unrolled DDIM, MS-SSIM + L1) loss, AdamW, EMA; periodic validation and atomic
 * checkpoints that resume bit-identically.
 */
export class Trainer {
  readonly model: DFT;
  readonly emaModel: DFT;
  readonly optimizer: Optimizer;
  readonly scheduler: LrScheduler;
  readonly ema: Ema;
  readonly schedule: NoiseSchedule;
  readonly sampler: BatchSampler;
  readonly progressive: ProgressiveSchedule;
  readonly rng: Rng;
  iter = 0;
  history: TrainingState['history'] = { losses: [], val: [] };
  private readonly cache = new Map<number, { lq: Planar; gt: Planar }>();
  private valCache: { name: string; lq: Planar; gt: Planar }[] | null = null;
  private blind: BlindOptions | null = null;
  /** The last checkpoint written (its weights checked finite and sane), or null. */
  lastCheckpoint: string | null = null;

  private constructor(
    readonly opts: TrainOptions,
    private readonly dataset: TrainingDataset,
    private readonly hooks: TrainerHooks,
  ) {
    const t = opts.train;
    const cfg = networkConfig(opts.network);
    const seed = opts.manualSeed ?? 0;
    this.model = new DFT(cfg, { seed });
    this.emaModel = new DFT(cfg, { seed });
    if (opts.path.pretrainNetworkG) {
      const loaded = loadModel(opts.path.pretrainNetworkG, { key: opts.path.paramKey === 'params' ? undefined : opts.path.paramKey, strict: opts.path.strictLoadG });
      const report = this.model.loadStateDict(loaded.model.stateDict(), opts.path.strictLoadG);
      this.log(`loaded ${opts.path.pretrainNetworkG}${loaded.sourceKey ? ` [${loaded.sourceKey}]` : ''}${report.missing.length ? `; missing: ${report.missing.join(', ')}` : ''}`);
    }
    const params = this.model.parameters();
    const o = t.optim;
    const Opt = OPTIMIZERS[o.type];
    this.optimizer = new Opt(params, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay });
    this.scheduler = createScheduler(this.optimizer, t.scheduler);
    this.ema = new Ema(params, t.emaDecay);
    const d = opts.diffusion;
    this.schedule = new NoiseSchedule({ schedule: d.betaSchedule, betaStart: d.betaStart, betaEnd: d.betaEnd, numTimesteps: d.numDiffusionTimesteps });
    const ds = opts.datasets.train!;
    this.progressive = new ProgressiveSchedule(ds.iters, ds.miniBatchSizes, ds.gtSizes);
    this.sampler = new BatchSampler(dataset.length, ds.batchSizePerGpu, { seed, shuffle: ds.useShuffle, enlargeRatio: ds.datasetEnlargeRatio });
    this.rng = new Rng(seed + 1);
  }

  static async create(opts: TrainOptions, hooks: TrainerHooks = {}, resume?: string): Promise<Trainer> {
    const ds = opts.datasets.train;
    if (!ds) throw new TrainingError(`${opts.file ?? 'options'}: datasets.train is required for training`);
    // every folder and file the run needs, before the network is built or a folder written
    checkOptionPaths(opts, resume !== undefined ? { resume } : {});
    // a damaged state fails here, before the data set is read
    const resumeFrom = resume ?? opts.path.resumeState;
    const state = resumeFrom ? loadTrainingState(resumeFrom) : null;
    const trainer = new Trainer(opts, await openDataset(ds), hooks);
    for (const dir of [opts.path.models, opts.path.trainingStates, opts.path.experimentsRoot]) mkdirSync(dir, { recursive: true });
    if (state && resumeFrom) trainer.restore(state, resumeFrom);
    return trainer;
  }

  get logFile(): string {
    return join(this.opts.path.experimentsRoot, `train_${this.opts.name}.log`);
  }

  log(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}`;
    if (existsSync(this.opts.path.experimentsRoot)) appendFileSync(this.logFile, `${stamped}\n`);
    this.hooks.onLog?.(line);
  }

  private restore(s: TrainingState, from: string): void {
    const params = this.model.parameters();
    if (s.params.length !== params.length) throw new TrainingStateError(`${from}: the state holds ${s.params.length} tensors, the network ${params.length} (different network_g?)`);
    params.forEach((p, i) => {
      if (s.params[i].length !== p.size) throw new TrainingStateError(`${from}: tensor ${i} (${p.name}) has ${s.params[i].length} values, the network ${p.size}`);
      p.data.set(s.params[i]);
    });
    this.ema.loadState({ decay: s.emaDecay, shadow: s.ema, names: params.map((p) => p.name ?? null) });
    this.optimizer.loadState(s.optim);
    this.scheduler.loadState(s.scheduler);
    this.sampler.loadState(s.sampler);
    this.rng.setState(s.rng);
    this.iter = s.iter;
    this.history = s.history;
    this.lastCheckpoint = from;
    this.log(`resumed from ${from} at iteration ${s.iter}`);
  }

  private async pair(i: number): Promise<{ lq: Planar; gt: Planar }> {
    let p = this.cache.get(i);
    if (!p) {
      const r = await this.dataset.get(i);
      p = { lq: r.lq, gt: r.gt };
      this.cache.set(i, p);
    }
    return p;
  }

  /** One optimisation step (iteration `this.iter + 1`); returns the loss. */
  async step(): Promise<{ loss: number; batch: number; patch: number }> {
    const o = this.opts;
    this.iter += 1;
    updateLearningRate(this.optimizer, this.scheduler, this.iter, o.train.warmupIter);
    const batch = await this.nextBatch();
    const shape = [batch.n, batch.c, batch.h, batch.w];
    const lq = new Tensor(batch.lq, shape);
    const gt = new Tensor(batch.gt, shape);
    const net = noisePredictor(this.model, this.schedule);
    const noise = new Tensor(this.rng.fillNormal(new Float32Array(batch.gt.length)), shape);
    let loss: Tensor;
    if (o.train.stage === 'coarse') {
      const t = antitheticTimesteps(batch.n, this.schedule.numTimesteps, this.rng);
      loss = coarseLoss(net, this.schedule, lq, gt, noise, t).loss;
      if (o.train.pixelLoss.lossWeight !== 1) loss = F.mulScalar(loss, o.train.pixelLoss.lossWeight);
    } else {
      const f = o.train.fineLoss;
      loss = fineLoss(net, this.schedule, lq, gt, noise, { steps: o.diffusion.samplingTimesteps, ssimWeight: f.ssimWeight, l1Weight: f.l1Weight, mseWeight: f.mseWeight, msSsim: { maxVal: f.msSsimMaxVal, nanGuard: 'clamp' } }).loss;
    }
    const value = loss.item();
    if (!Number.isFinite(value)) {
      const fix = o.train.useGradClip ? `lower train.optim_g.lr (${o.train.optim.lr}) or train.grad_clip_norm (${o.train.gradClipNorm})` : `lower train.optim_g.lr (${o.train.optim.lr}) or set train.use_grad_clip: true`;
      throw new TrainingError(`iteration ${this.iter}: the loss is ${value}; stopping before the weights are corrupted (${fix}); ${this.lastCheckpointNote()}`);
    }
    this.optimizer.zeroGrad();
    loss.backward();
    if (o.train.useGradClip) clipGradNorm(this.model.parameters(), o.train.gradClipNorm);
    this.optimizer.step();
    this.ema.update();
    this.history.losses.push([this.iter, value]);
    return { loss: value, batch: batch.n, patch: batch.h };
  }

  /** One step's training batch for iteration `this.iter`: crops, augmentation, noise (Gaussian denoising), blur (motion blur) or a blind degradation, progressive size, mixup. */
  async nextBatch(): Promise<PairBatch> {
    const o = this.opts;
    const ds = o.datasets.train!;
    const { indices } = this.sampler.next();
    const items = [];
    for (const i of indices) {
      const p = await this.pair(i);
      const t = { patchSize: ds.gtSize, geometricAugs: ds.geometricAugs };
      if (ds.blind) {
        this.blind ??= blindOptionsOf(ds.blind);
        const { lq, gt } = blindTrainPair(p.gt, this.blind, t, this.rng, this.dataset.nameOf(i));
        items.push({ lq, gt });
        continue;
      }
      if (ds.motionBlur) {
        const [lq, gt] = motionBlurTrainPair(p.gt, ds.motionBlur, t, this.rng, this.dataset.nameOf(i));
        items.push({ lq, gt });
        continue;
      }
      const [lq, gt] = trainPairTransform(p.lq, p.gt, t, this.rng, this.dataset.nameOf(i));
      items.push({ lq: ds.gaussian ? addGaussianNoise(lq, drawSigma(ds.gaussian, this.rng), this.rng, ds.gaussian.noisyAsUint8) : lq, gt });
    }
    const stage = this.progressive.stageAt(this.iter);
    const batch = progressiveSubBatch(collatePairs(items), stage, this.rng);
    return o.train.mixup.enabled ? mixingAugment(batch, { beta: o.train.mixup.beta, useIdentity: o.train.mixup.useIdentity }, this.rng).batch : batch;
  }

  /** Validation PSNR of the EMA weights over every validation pair (mean). */
  async validate(): Promise<number | null> {
    const o = this.opts;
    if (!o.val || o.datasets.val.length === 0) return null;
    if (!this.valCache) {
      this.valCache = [];
      for (const v of o.datasets.val) {
        const ds = await openDataset(v);
        for (let i = 0; i < ds.length; i++) {
          const item = await ds.get(i);
          // Gaussian denoising: a fixed seed per image, as Restormer's np.random.seed(0), so every validation sees the same inputs
          this.valCache.push(v.sigmaTest === null ? item : { ...item, lq: addGaussianNoise(item.gt, v.sigmaTest, new Rng(0), v.noisyAsUint8) });
        }
      }
    }
    this.ema.copyTo(this.emaModel.parameters());
    const metric = Object.values(o.val.metrics).find((m) => m.type === 'calculate_psnr') ?? { cropBorder: 0, testYChannel: false };
    let sum = 0;
    for (const p of this.valCache) {
      const out = await sampleImage(this.emaModel, this.schedule, p.lq, { steps: o.diffusion.samplingTimesteps, eta: 0, seed: 0 });
      sum += psnrOf(out, p.gt, { yChannel: metric.testYChannel, cropBorder: metric.cropBorder });
    }
    const mean = sum / this.valCache.length;
    this.history.val.push([this.iter, mean]);
    return mean;
  }

  private lastCheckpointNote(): string {
    return this.lastCheckpoint ? `the last good checkpoint is ${this.lastCheckpoint}` : 'no checkpoint was written in this run';
  }

  /**
   * Writes the EMA weights (models/net_g_<iter>.safetensors and _latest) and the training state,
   * atomically, after checking them: NaN/infinite weights or weights beyond EXPLODED_WEIGHT are
   * never written; the run stops with a TrainingError naming the last good checkpoint.
   */
  async checkpoint(): Promise<string> {
    const o = this.opts;
    this.ema.copyTo(this.emaModel.parameters());
    const named = (m: DFT, tag: string) => m.namedParameters().map(([k, t]) => [`${tag}${k}`, t] as [string, { data: Float32Array }]);
    const bad = describeBadValues(findBadValues([...named(this.model, ''), ...named(this.emaModel, 'ema ')], EXPLODED_WEIGHT));
    if (bad) {
      const fix = o.train.useGradClip ? `lower train.optim_g.lr (${o.train.optim.lr})` : `lower train.optim_g.lr (${o.train.optim.lr}) or set train.use_grad_clip: true`;
      throw new TrainingError(`iteration ${this.iter}: the weights hold ${bad}; not writing a checkpoint of them (${fix}); ${this.lastCheckpointNote()}`);
    }
    const meta = { iteration: String(this.iter), name: o.name, stage: o.train.stage, weights: 'params_ema', options: o.file ?? '' };
    const sd = this.emaModel.stateDict();
    saveModel(sd, this.emaModel.config, join(o.path.models, `net_g_${this.iter}.safetensors`), { metadata: meta, overwrite: true });
    saveModel(sd, this.emaModel.config, join(o.path.models, 'net_g_latest.safetensors'), { metadata: meta, overwrite: true });
    const statePath = join(o.path.trainingStates, `${this.iter}.state`);
    saveTrainingState(statePath, {
      iter: this.iter,
      epoch: this.sampler.epoch,
      params: this.model.parameters().map((p) => p.data),
      ema: this.ema.state().shadow,
      emaDecay: this.ema.decay,
      optim: this.optimizer.state(),
      scheduler: this.scheduler.state(),
      sampler: this.sampler.state(),
      rng: this.rng.getState(),
      history: this.history,
      optionsFile: o.file,
    });
    await writeCurves(join(o.path.experimentsRoot, 'curves.png'), this.history.losses, this.history.val);
    this.lastCheckpoint = statePath;
    return statePath;
  }

  /** Trains until total_iter or until `signal` aborts (then saves a checkpoint first). */
  async run(signal?: AbortSignal): Promise<TrainResult> {
    const o = this.opts;
    const total = o.train.totalIter;
    const started = Date.now();
    const startIter = this.iter;
    let lastLoss = NaN;
    let lastPsnr: number | null = null;
    this.log(`training ${o.name} (${o.train.stage} stage) from iteration ${this.iter} to ${total}; ${this.model.parameterCount()} parameters; ${this.dataset.length} training pairs`);
    while (this.iter < total) {
      if (signal?.aborted) {
        const path = await this.checkpoint();
        this.log(`interrupted at iteration ${this.iter}; state saved to ${path} (resume with --resume ${path})`);
        return { iter: this.iter, stopped: true, lastLoss, lastPsnr };
      }
      const { loss, batch, patch } = await this.step();
      lastLoss = loss;
      const lr = this.optimizer.paramGroups[0].lr;
      const itPerSec = (this.iter - startIter) / ((Date.now() - started) / 1000);
      this.hooks.onIteration?.({ iter: this.iter, total, loss, lr, itPerSec, batch, patch });
      if (this.iter % o.logger.printFreq === 0) this.log(`iter ${this.iter}/${total} loss ${loss.toExponential(4)} lr ${lr.toExponential(3)} batch ${batch}x${patch}² ${itPerSec.toFixed(3)} it/s`);
      if (o.val && o.val.valFreq > 0 && this.iter % o.val.valFreq === 0) {
        lastPsnr = await this.validate();
        if (lastPsnr !== null) this.log(`validation at iter ${this.iter}: PSNR ${lastPsnr.toFixed(3)} dB`);
      }
      if (this.iter % o.logger.saveCheckpointFreq === 0 || this.iter === total) this.log(`checkpoint: ${await this.checkpoint()}`);
      await new Promise<void>((r) => setImmediate(r));
    }
    return { iter: this.iter, stopped: false, lastLoss, lastPsnr };
  }
}

/** The folders behind a `datasets` entry: paired input/target folders, or clean images only when it has no dataroot_lq (Gaussian denoising, motion blur, blind degradation: one folder or several). */
async function openDataset(d: { datarootGt: string; datarootLq: string | null; filenameTmpl: string; blind?: { roots: string[] } | null }): Promise<TrainingDataset> {
  const loader = (p: string) => readImage(p);
  if (d.blind) return CleanFoldersDataset.open({ dirs: d.blind.roots, loader });
  if (d.datarootLq === null) return CleanFolderDataset.open({ dir: d.datarootGt, loader });
  return PairedFolderDataset.open({ dirLq: d.datarootLq, dirGt: d.datarootGt, filenameTmpl: d.filenameTmpl, loader });
}
