// The typed result of reading an option file, and its error.
import type { BetaScheduleName } from '../../diffusion/schedule.js';
import type { SchedulerOptions } from '../lr-scheduler.js';
import type { OptimizerType } from '../optim/index.js';
import type { GaussianNoiseOptions } from '../data/gaussian-noise.js';
import type { MotionBlurTrainOptions } from '../data/motion-blur.js';
import type { BlindDegradationTrainOptions } from '../data/blind-degradation.js';

export class OptionsError extends Error {
  constructor(readonly keyPath: string, message: string, readonly file: string | null = null) {
    super(`${file ? `${file}: ` : ''}${keyPath ? `${keyPath}: ` : ''}${message}`);
    this.name = 'OptionsError';
  }
}

export interface TrainDatasetOptions {
  name: string;
  type: string;
  datarootGt: string;
  /** null for Dataset_GaussianDenoising, Dataset_MotionBlur and Dataset_BlindDegradation, which make their input from the target. */
  datarootLq: string | null;
  /** Dataset_GaussianDenoising: the noise added to each training patch. */
  gaussian: GaussianNoiseOptions | null;
  /** Dataset_MotionBlur (ours): the random motion blur applied to each training patch. */
  motionBlur: MotionBlurTrainOptions | null;
  /** Dataset_BlindDegradation (ours): the preset mix each training patch is degraded by; `datarootGt` is its first folder. */
  blind: BlindDegradationTrainOptions | null;
  filenameTmpl: string;
  geometricAugs: boolean;
  useShuffle: boolean;
  batchSizePerGpu: number;
  /** The crop size the data set produces (the largest progressive patch). */
  gtSize: number;
  /** Progressive learning stages, same length; a single stage when the file has none. */
  miniBatchSizes: number[];
  gtSizes: number[];
  iters: number[];
  datasetEnlargeRatio: number;
}

export interface ValDatasetOptions {
  /** The key under `datasets` (val, val_1, …). */
  key: string;
  name: string;
  type: string;
  datarootGt: string;
  /** null for Dataset_GaussianDenoising. */
  datarootLq: string | null;
  /** Dataset_GaussianDenoising: σ (8-bit units) of the fixed-seed noise added to each image. */
  sigmaTest: number | null;
  /** Dataset_GaussianDenoising: clip and round the noisy image to 8 bits (see GaussianNoiseOptions). */
  noisyAsUint8: boolean;
  filenameTmpl: string;
}

export interface NetworkOptions {
  type: 'DFT';
  inpChannels: number;
  outChannels: number;
  dim: number;
  numBlocks: number[];
  ffnExpansionFactor: number;
  bias: boolean;
  layerNormType: 'WithBias' | 'BiasFree';
  dualPixelTask: boolean;
  dState: number;
  /** Our extension (see DFTConfig.residual_from_input); default false, as the authors. */
  residualFromInput: boolean;
  /** Our extension (see DFTConfig.predict_residual); default false, as the authors. */
  predictResidual: boolean;
}

export interface PathOptions {
  pretrainNetworkG: string | null;
  strictLoadG: boolean;
  resumeState: string | null;
  /** The key the authors' loader really reads (`path.param_key`, default 'params'); `param_key_g` is ignored, as there. */
  paramKey: string;
  experimentsRoot: string;
  models: string;
  trainingStates: string;
  log: string;
  visualization: string;
}

export interface OptimizerOptions {
  type: OptimizerType;
  lr: number;
  weightDecay: number;
  betas: [number, number];
  eps: number;
}

export interface TrainingOptions {
  stage: 'coarse' | 'fine';
  totalIter: number;
  warmupIter: number;
  useGradClip: boolean;
  gradClipNorm: number;
  emaDecay: number;
  scheduler: SchedulerOptions;
  optim: OptimizerOptions;
  mixup: { enabled: boolean; beta: number; useIdentity: boolean };
  pixelLoss: { type: 'L1Loss'; lossWeight: number; reduction: 'mean' | 'sum' | 'none' };
  fineLoss: { ssimWeight: number; l1Weight: number; msSsimMaxVal: number; mseWeight: number };
}

export interface DiffusionOptions {
  betaSchedule: BetaScheduleName;
  betaStart: number;
  betaEnd: number;
  numDiffusionTimesteps: number;
  samplingTimesteps: number;
  eta: number;
}

export interface MetricOptions {
  type: 'calculate_psnr' | 'calculate_ssim';
  cropBorder: number;
  testYChannel: boolean;
}

export interface ValOptions {
  windowSize: number;
  valFreq: number;
  saveImg: boolean;
  rgb2bgr: boolean;
  useImage: boolean;
  maxMinibatch: number;
  metrics: Record<string, MetricOptions>;
}

export interface LoggerOptions {
  printFreq: number;
  saveCheckpointFreq: number;
}

export interface IgnoredKey {
  path: string;
  reason: string;
}

export interface TrainOptions {
  file: string | null;
  /** The folder relative paths were resolved against. */
  baseDir: string;
  name: string;
  modelType: string;
  scale: number;
  manualSeed: number | null;
  datasets: { train: TrainDatasetOptions | null; val: ValDatasetOptions[] };
  network: NetworkOptions;
  path: PathOptions;
  train: TrainingOptions;
  diffusion: DiffusionOptions;
  val: ValOptions | null;
  logger: LoggerOptions;
  /** Keys present in the file that we accept but do not act on. */
  unsupported: IgnoredKey[];
  /** Keys we do not know; reported, not fatal. */
  unknown: string[];
  /** Soft inconsistencies (e.g. sum(iters) ≠ total_iter). */
  warnings: string[];
}

export interface ParseOptionsOptions {
  /** The option file's path, for messages and path resolution. */
  file?: string;
  /** Where relative paths resolve (default: the option file's folder, else the working directory). */
  baseDir?: string;
  /** Where `experiments/<name>` goes when `path.experiments_root` is absent (default: the working directory, as BasicSR). */
  rootDir?: string;
  /** List keys we do not know in `unknown` instead of refusing the file (default false). */
  allowUnknownKeys?: boolean;
}

/** Upper bounds of option values: far above any CPU run, low enough that a typo fails at once instead of exhausting memory. */
export const OPTION_BOUNDS = {
  batch: 1024,
  patch: 4096,
  iterations: 1_000_000_000,
  timesteps: 100_000,
  enlargeRatio: 10_000,
  lr: 1,
} as const;
