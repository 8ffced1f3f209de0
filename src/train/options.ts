/**
 * The authors' BasicSR YAML option files, read into a typed, validated object.
 *
 * - Wrong types and invalid values are hard errors naming the key path.
 * - Keys of the authors' BasicSR format that we knowingly do not act on (multi-GPU, loggers,
 *   prefetching…) are listed in `unsupported` with the reason, for the CLI to tell the user.
 * - Keys we do not know at all (a typo such as `totl_iter`) are an error with a "did you
 *   mean" (or, with `allowUnknownKeys`, listed in `unknown`).
 * - Values are bounded (sizes, counts, rates) so that a careless file fails here, before any
 *   work, not hours later or by exhausting memory; checkOptionPaths checks the folders.
 * - Relative paths are resolved against the option file's folder (BasicSR resolves them
 *   against its working directory, normally the repository root).
 *
 * Our extensions to the authors' format (all optional): `train.stage` (coarse | fine),
 * `train.grad_clip_norm` (Restormer hard-codes 0.01), `train.fine_loss.{ssim_weight,
 * l1_weight, ms_ssim_max_val, mse_weight}`, `network_g.residual_from_input`, `diffusion.eta`,
 * `path.experiments_root`, and the training data sets `Dataset_MotionBlur` and
 * `Dataset_BlindDegradation` (docs/degradations.md).
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { makeDirs, removeStaleTempFiles } from '../io/atomic.js';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { BETA_SCHEDULES, type BetaScheduleName } from '../diffusion/schedule.js';
import type { LrSchedulerType, SchedulerOptions } from './lr-scheduler.js';
import type { GaussianNoiseOptions } from './data/gaussian-noise.js';
import type { MotionBlurTrainOptions } from './data/motion-blur.js';
import type { BlindDegradationTrainOptions } from './data/blind-degradation.js';
import { FAMILIES, PRESET_NAMES, PRESETS, type PresetName } from '../degrade/blind/families.js';
import { resolveDFTConfig } from '../model/config.js';
import { showValue } from '../io/limits.js';

/**
 * PyYAML constructs an explicit `!!float 300` or `!!float 5e3` (the authors' files are full of
 * them) although neither matches YAML's implicit float pattern; resolve them the same way.
 */
const explicitFloat = {
  tag: 'tag:yaml.org,2002:float',
  resolve(str: string, onError: (msg: string) => void): number {
    const v = Number(str.replace(/_/g, ''));
    if (Number.isNaN(v) && !/^[-+]?\.nan$/i.test(str)) onError(`!!float ${str} is not a number`);
    return /^[-+]?\.inf$/i.test(str) ? (str.startsWith('-') ? -Infinity : Infinity) : v;
  },
};

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
  type: 'Adam' | 'AdamW';
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

type Obj = Record<string, unknown>;

/** Walks the parsed YAML, recording which keys were read. */
class Reader {
  readonly read = new Set<string>();
  readonly unsupported: IgnoredKey[] = [];
  readonly warnings: string[] = [];
  constructor(readonly file: string | null) {}

  err(path: string, msg: string): never {
    throw new OptionsError(path, msg, this.file);
  }

  private mark(path: string): void {
    this.read.add(path);
  }

  has(o: Obj | undefined, key: string): boolean {
    return !!o && o[key] !== undefined && o[key] !== null;
  }

  raw(o: Obj | undefined, key: string, path: string): unknown {
    this.mark(path);
    return o ? o[key] : undefined;
  }

  obj(o: Obj | undefined, key: string, path: string, required = false): Obj | undefined {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (required) this.err(path, 'is required');
      return undefined;
    }
    if (typeof v !== 'object' || Array.isArray(v)) this.err(path, `must be a mapping, got ${describe(v)}`);
    return v as Obj;
  }

  num(o: Obj | undefined, key: string, path: string, def: number | undefined, c: { int?: boolean; min?: number; max?: number; gt?: number } = {}): number {
    let v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (def === undefined) this.err(path, 'is required');
      return def;
    }
    v = toNumber(v, path, this);
    return checkNum(v as number, path, c, this);
  }

  str(o: Obj | undefined, key: string, path: string, def: string | undefined): string {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (def === undefined) this.err(path, 'is required');
      return def;
    }
    if (typeof v !== 'string') this.err(path, `must be a string, got ${describe(v)}`);
    return v;
  }

  optStr(o: Obj | undefined, key: string, path: string): string | null {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') this.err(path, `must be a string or ~, got ${describe(v)}`);
    return v;
  }

  bool(o: Obj | undefined, key: string, path: string, def: boolean): boolean {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') this.err(path, `must be true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(o: Obj | undefined, key: string, path: string, def: T | undefined, allowed: readonly T[]): T {
    const v = this.str(o, key, path, def);
    if (!(allowed as readonly string[]).includes(v)) this.err(path, `must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T;
  }

  nums(o: Obj | undefined, key: string, path: string, def: number[] | undefined, c: { int?: boolean; min?: number; max?: number; gt?: number; length?: number } = {}): number[] {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (def === undefined) this.err(path, 'is required');
      return [...def];
    }
    if (!Array.isArray(v)) this.err(path, `must be a list of numbers, got ${describe(v)}`);
    if (c.length !== undefined && v.length !== c.length) this.err(path, `must have ${c.length} entries, got ${v.length}`);
    if (v.length === 0) this.err(path, 'must not be empty');
    return v.map((x, i) => checkNum(toNumber(x, `${path}[${i}]`, this), `${path}[${i}]`, c, this));
  }

  /** A key we accept but do not act on. */
  ignore(o: Obj | undefined, key: string, path: string, reason: string): void {
    if (o && key in o) {
      this.mark(path);
      this.unsupported.push({ path, reason });
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return '~';
  if (Array.isArray(v)) return `a list (${showValue(v, { maxChars: 40 })})`;
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 59)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function toNumber(v: unknown, path: string, r: Reader): number {
  if (typeof v === 'number') return v;
  // PyYAML (YAML 1.1) needs `!!float 3e-4`; a plain string that is a number is accepted.
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return r.err(path, `must be a number, got ${describe(v)}`);
}

function checkNum(v: number, path: string, c: { int?: boolean; min?: number; max?: number; gt?: number }, r: Reader): number {
  if (!Number.isFinite(v)) r.err(path, `must be finite, got ${v}`);
  if (c.int && !Number.isInteger(v)) r.err(path, `must be an integer, got ${v}`);
  if (c.min !== undefined && v < c.min) r.err(path, `must be ≥ ${c.min}, got ${v}`);
  if (c.max !== undefined && v > c.max) r.err(path, `must be ≤ ${c.max}, got ${v}`);
  if (c.gt !== undefined && !(v > c.gt)) r.err(path, `must be > ${c.gt}, got ${v}`);
  return v;
}

/** Every key path of the document (mappings only; list items are values); each mapping once, so aliases cannot loop. */
function allPaths(o: unknown, prefix: string, out: string[], seen = new Set<object>(), depth = 0): string[] {
  if (o && typeof o === 'object' && !Array.isArray(o) && !seen.has(o) && depth < 32) {
    seen.add(o);
    for (const [k, v] of Object.entries(o as Obj)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      allPaths(v, p, out, seen, depth + 1);
    }
  }
  return out;
}

/** Edit distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The known key of the same mapping closest to `path`'s last component, if it is close. */
function didYouMean(path: string, known: Iterable<string>): string | null {
  const cut = path.lastIndexOf('.');
  const parent = cut < 0 ? '' : path.slice(0, cut);
  const key = path.slice(cut + 1).toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const c = k.lastIndexOf('.');
    if ((c < 0 ? '' : k.slice(0, c)) !== parent) continue;
    const name = k.slice(c + 1);
    const d = editDistance(key, name.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
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

const SCHEDULERS: readonly LrSchedulerType[] = ['CosineAnnealingRestartCyclicLR', 'CosineAnnealingRestartLR', 'MultiStepLR'];
const PAIRED_DATASET_TYPES = ['Dataset_PairedImage', 'PairedImageDataset'] as const;
const GAUSSIAN_DATASET_TYPE = 'Dataset_GaussianDenoising';
const MOTION_BLUR_DATASET_TYPE = 'Dataset_MotionBlur';
const DATASET_TYPES: readonly string[] = [...PAIRED_DATASET_TYPES, GAUSSIAN_DATASET_TYPE];
const BLIND_DATASET_TYPE = 'Dataset_BlindDegradation';
const TRAIN_DATASET_TYPES: readonly string[] = [...DATASET_TYPES, MOTION_BLUR_DATASET_TYPE, BLIND_DATASET_TYPE];

/**
 * Dataset_BlindDegradation (ours): dataroot_gt (a folder or a list of them), preset, optional
 * families (names, or name → weight), clean_fraction, as_uint8.
 */
function blindTrain(r: Reader, d: Obj, p: string, rel: (s: string) => string): BlindDegradationTrainOptions {
  const rawRoots = r.raw(d, 'dataroot_gt', `${p}.dataroot_gt`);
  let roots: string[];
  if (Array.isArray(rawRoots)) {
    if (rawRoots.length === 0) r.err(`${p}.dataroot_gt`, 'must not be an empty list');
    roots = rawRoots.map((v, i) => (typeof v === 'string' && v !== '' ? rel(v) : r.err(`${p}.dataroot_gt[${i}]`, `must be a folder path, got ${describe(v)}`)));
  } else {
    roots = [rel(r.str(d, 'dataroot_gt', `${p}.dataroot_gt`, undefined))];
  }
  const preset = r.oneOf(d, 'preset', `${p}.preset`, undefined, PRESET_NAMES) as PresetName;
  const known = Object.keys(FAMILIES);
  const checkName = (name: unknown, path: string): string => {
    if (typeof name !== 'string' || !known.includes(name)) r.err(path, `unknown degradation family ${describe(name)} (one of ${known.join(', ')})`);
    return name as string;
  };
  const rawFam = r.raw(d, 'families', `${p}.families`);
  let families: string[] | Record<string, number> | null = null;
  if (Array.isArray(rawFam)) {
    if (rawFam.length === 0) r.err(`${p}.families`, 'must not be empty (leave it out for the preset’s training mix)');
    families = rawFam.map((n, i) => checkName(n, `${p}.families[${i}]`));
  } else if (rawFam !== undefined && rawFam !== null) {
    const fo = r.obj(d, 'families', `${p}.families`)!;
    families = {};
    for (const k of Object.keys(fo)) families[checkName(k, `${p}.families.${k}`)] = r.num(fo, k, `${p}.families.${k}`, undefined, { min: 0 });
    if (Object.keys(families).length === 0) r.err(`${p}.families`, 'must not be empty (leave it out for the preset’s training mix)');
    if (Object.values(families).every((w) => w === 0)) r.err(`${p}.families`, 'every weight is 0: nothing would be drawn');
  }
  if (families) {
    const names = Array.isArray(families) ? families : Object.keys(families);
    const heldout = names.filter((n) => PRESETS[preset].heldout.some((m) => m.family.name === n));
    if (heldout.length) r.warnings.push(`${p}.families: ${heldout.join(', ')} ${heldout.length > 1 ? 'are' : 'is'} held out of the ${preset} training mix for validation; a held-out validation set no longer measures unseen degradations`);
  }
  const cleanFraction = r.num(d, 'clean_fraction', `${p}.clean_fraction`, 0.05, { min: 0 });
  if (!(cleanFraction < 1)) r.err(`${p}.clean_fraction`, `must be < 1 (a share of the crops; 1 would degrade none), got ${cleanFraction}`);
  r.ignore(d, 'dataroot_lq', `${p}.dataroot_lq`, 'Dataset_BlindDegradation makes its input from dataroot_gt');
  return { roots, preset, families, cleanFraction, asUint8: r.bool(d, 'as_uint8', `${p}.as_uint8`, true) };
}

/** Dataset_MotionBlur (ours): blur_length / blur_angle ranges as `degrade --type blur`, blurred_as_uint8. */
function motionBlurTrain(r: Reader, d: Obj, p: string): MotionBlurTrainOptions {
  const range = (key: string, def: [number, number], c: { gt?: number }): [number, number] => {
    const v = r.nums(d, key, `${p}.${key}`, def, { ...c, length: 2 });
    if (v[0] > v[1]) r.err(`${p}.${key}`, `must be [low, high] with low ≤ high, got [${v.join(', ')}]`);
    return [v[0], v[1]];
  };
  const length = range('blur_length', [7, 31], { gt: 0 });
  r.ignore(d, 'dataroot_lq', `${p}.dataroot_lq`, 'Dataset_MotionBlur makes its input from dataroot_gt');
  return { length, angle: range('blur_angle', [0, 180], {}), blurredAsUint8: r.bool(d, 'blurred_as_uint8', `${p}.blurred_as_uint8`, true) };
}

/** Restormer's Gaussian-denoising keys: sigma_type / sigma_range (training), in_ch. */
function gaussianTrainNoise(r: Reader, d: Obj, p: string): GaussianNoiseOptions {
  const sigmaType = r.oneOf(d, 'sigma_type', `${p}.sigma_type`, undefined, ['constant', 'random', 'choice'] as const);
  const raw = r.raw(d, 'sigma_range', `${p}.sigma_range`);
  const sigmaRange = Array.isArray(raw) ? r.nums(d, 'sigma_range', `${p}.sigma_range`, undefined, { min: 0 }) : [r.num(d, 'sigma_range', `${p}.sigma_range`, undefined, { min: 0 })];
  if (sigmaType === 'constant' && sigmaRange.length !== 1) r.err(`${p}.sigma_range`, `sigma_type constant takes one σ, got ${sigmaRange.length} values`);
  if (sigmaType === 'random' && (sigmaRange.length !== 2 || sigmaRange[0] > sigmaRange[1])) r.err(`${p}.sigma_range`, `sigma_type random takes [low, high] with low ≤ high, got [${sigmaRange.join(', ')}]`);
  gaussianInputChannels(r, d, p);
  return { sigmaType, sigmaRange, noisyAsUint8: noisyAsUint8(r, d, p) };
}

function noisyAsUint8(r: Reader, d: Obj, p: string): boolean {
  return r.bool(d, 'noisy_as_uint8', `${p}.noisy_as_uint8`, false);
}

function gaussianInputChannels(r: Reader, d: Obj, p: string): void {
  const inCh = r.num(d, 'in_ch', `${p}.in_ch`, 3, { int: true });
  if (inCh !== 3) r.err(`${p}.in_ch`, `only 3 (RGB) is supported, got ${inCh}; grey images are read as three equal channels`);
  r.ignore(d, 'dataroot_lq', `${p}.dataroot_lq`, 'Dataset_GaussianDenoising makes its input from dataroot_gt');
}

/** Reads and validates an option file. */
export function loadOptions(file: string, opts: Omit<ParseOptionsOptions, 'file'> = {}): TrainOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new OptionsError('', `cannot read option file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  return parseOptions(text, { ...opts, file });
}

/** Parses option-file text (see {@link loadOptions}). */
export function parseOptions(text: string, opts: ParseOptionsOptions = {}): TrainOptions {
  const file = opts.file ?? null;
  const r = new Reader(file);
  let doc: unknown;
  // the yaml package's messages quote the offending lines after the first
  const firstLine = (m: string) => m.split(/\r?\n/)[0].trim().replace(/:$/, '').slice(0, 200);
  try {
    // YAML 1.1 like PyYAML, which the authors' files are written for (yes/no booleans, ~ null)
    const parsed = parseDocument(text, { version: '1.1', customTags: (tags) => [explicitFloat, ...tags], prettyErrors: true });
    if (parsed.errors.length) throw parsed.errors[0];
    // an unknown tag (!!python/object…) would otherwise become a plain string, with a warning on stderr
    const tag = parsed.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
    if (tag) throw new OptionsError('', `unsupported YAML tag: ${firstLine(tag.message)}`, file);
    doc = parsed.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof OptionsError) throw e;
    throw new OptionsError('', `not valid YAML: ${firstLine((e as Error).message)}`, file);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new OptionsError('', 'the top level must be a mapping', file);
  const root = doc as Obj;
  const baseDir = resolve(opts.baseDir ?? (file ? dirname(file) : process.cwd()));
  const rel = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));

  const name = r.str(root, 'name', 'name', file ? (file.split(/[\\/]/).pop() ?? 'run').replace(/\.ya?ml$/i, '') : 'run');
  if (!/^[\w.\-]+$/.test(name)) r.err('name', `must be a plain folder name (letters, digits, _ . -), got '${name}'`);
  const modelType = r.str(root, 'model_type', 'model_type', 'ImageCleanModel');
  const scale = r.num(root, 'scale', 'scale', 1, { int: true });
  if (scale !== 1) r.err('scale', `only 1 is supported (restoration keeps the size), got ${scale}`);
  const manualSeedRaw = r.raw(root, 'manual_seed', 'manual_seed');
  const manualSeed = manualSeedRaw === undefined || manualSeedRaw === null ? null : r.num(root, 'manual_seed', 'manual_seed', undefined, { int: true, min: 0 });
  r.ignore(root, 'num_gpu', 'num_gpu', 'training runs in one process on the CPU');
  r.ignore(root, 'dist_params', 'dist_params', 'no distributed training');
  r.ignore(root, 'dist', 'dist', 'no distributed training');
  r.ignore(root, 'is_train', 'is_train', 'set by the command, not the file');

  // ---- datasets
  const ds = r.obj(root, 'datasets', 'datasets');
  let trainDs: TrainDatasetOptions | null = null;
  const valDs: ValDatasetOptions[] = [];
  for (const key of Object.keys(ds ?? {})) {
    const phase = key.split('_')[0];
    const p = `datasets.${key}`;
    const d = r.obj(ds, key, p, true)!;
    const common = () => {
      for (const k of ['io_backend'] as const) {
        const io = r.obj(d, k, `${p}.${k}`);
        if (io) {
          const t = r.str(io, 'type', `${p}.io_backend.type`, 'disk');
          if (t !== 'disk') r.unsupported.push({ path: `${p}.io_backend.type`, reason: `'${t}' is not supported; images are read from disk` });
          for (const extra of Object.keys(io)) if (extra !== 'type') r.ignore(io, extra, `${p}.io_backend.${extra}`, 'io_backend options are not used');
        }
      }
      r.ignore(d, 'phase', `${p}.phase`, 'set from the dataset key');
      r.ignore(d, 'scale', `${p}.scale`, 'set from the top-level scale');
    };
    if (phase === 'train') {
      const tp = r.str(d, 'type', `${p}.type`, 'Dataset_PairedImage');
      if (!TRAIN_DATASET_TYPES.includes(tp)) r.err(`${p}.type`, `'${tp}' is not supported (one of ${TRAIN_DATASET_TYPES.join(', ')})`);
      const gaussian = tp === GAUSSIAN_DATASET_TYPE ? gaussianTrainNoise(r, d, p) : null;
      const motionBlur = tp === MOTION_BLUR_DATASET_TYPE ? motionBlurTrain(r, d, p) : null;
      const blind = tp === BLIND_DATASET_TYPE ? blindTrain(r, d, p, rel) : null;
      const batch = r.num(d, 'batch_size_per_gpu', `${p}.batch_size_per_gpu`, undefined, { int: true, min: 1, max: OPTION_BOUNDS.batch });
      const gtSize = r.num(d, 'gt_size', `${p}.gt_size`, undefined, { int: true, min: 8, max: OPTION_BOUNDS.patch });
      const hasProg = r.has(d, 'mini_batch_sizes') || r.has(d, 'gt_sizes') || r.has(d, 'iters');
      let mbs = [batch];
      let gts = [gtSize];
      let iters: number[] = [];
      if (hasProg) {
        mbs = r.nums(d, 'mini_batch_sizes', `${p}.mini_batch_sizes`, undefined, { int: true, min: 1, max: OPTION_BOUNDS.batch });
        gts = r.nums(d, 'gt_sizes', `${p}.gt_sizes`, undefined, { int: true, min: 8, max: OPTION_BOUNDS.patch });
        iters = r.nums(d, 'iters', `${p}.iters`, undefined, { int: true, min: 1, max: OPTION_BOUNDS.iterations });
        if (mbs.length !== gts.length || mbs.length !== iters.length) {
          r.err(`${p}.mini_batch_sizes`, `mini_batch_sizes (${mbs.length}), gt_sizes (${gts.length}) and iters (${iters.length}) must have the same length`);
        }
        const bigB = Math.max(...mbs);
        if (bigB > batch) r.err(`${p}.mini_batch_sizes`, `the largest mini batch (${bigB}) exceeds batch_size_per_gpu (${batch}); the loader's batch is sub-sampled`);
        const bigP = Math.max(...gts);
        if (bigP > gtSize) r.err(`${p}.gt_sizes`, `the largest patch (${bigP}) exceeds gt_size (${gtSize}); the loader's crops are cropped again`);
        gts.forEach((g, i) => {
          if (g % 8 !== 0) r.err(`${p}.gt_sizes[${i}]`, `patch sizes must be multiples of 8 (the U-Net downsamples 3 times), got ${g}`);
        });
      }
      if (gtSize % 8 !== 0) r.err(`${p}.gt_size`, `must be a multiple of 8 (the U-Net downsamples 3 times), got ${gtSize}`);
      trainDs = {
        name: r.str(d, 'name', `${p}.name`, 'train'),
        type: tp,
        datarootGt: blind ? blind.roots[0] : rel(r.str(d, 'dataroot_gt', `${p}.dataroot_gt`, undefined)),
        datarootLq: gaussian || motionBlur || blind ? null : rel(r.str(d, 'dataroot_lq', `${p}.dataroot_lq`, undefined)),
        gaussian,
        motionBlur,
        blind,
        filenameTmpl: r.str(d, 'filename_tmpl', `${p}.filename_tmpl`, '{}'),
        geometricAugs: r.bool(d, 'geometric_augs', `${p}.geometric_augs`, false),
        useShuffle: r.bool(d, 'use_shuffle', `${p}.use_shuffle`, true),
        batchSizePerGpu: batch,
        gtSize,
        miniBatchSizes: mbs,
        gtSizes: gts,
        iters,
        datasetEnlargeRatio: r.num(d, 'dataset_enlarge_ratio', `${p}.dataset_enlarge_ratio`, 1, { int: true, min: 1, max: OPTION_BOUNDS.enlargeRatio }),
      };
      if (!trainDs.filenameTmpl.includes('{}')) r.err(`${p}.filename_tmpl`, `must contain '{}', got '${trainDs.filenameTmpl}'`);
      r.ignore(d, 'num_worker_per_gpu', `${p}.num_worker_per_gpu`, 'images are decoded in the training process');
      r.ignore(d, 'prefetch_mode', `${p}.prefetch_mode`, 'no prefetcher (CPU training)');
      r.ignore(d, 'pin_memory', `${p}.pin_memory`, 'no GPU transfer');
      r.ignore(d, 'persistent_workers', `${p}.persistent_workers`, 'no worker processes');
      r.ignore(d, 'use_flip', `${p}.use_flip`, 'Dataset_PairedImage uses geometric_augs');
      r.ignore(d, 'use_rot', `${p}.use_rot`, 'Dataset_PairedImage uses geometric_augs');
      common();
    } else if (phase === 'val') {
      const type = r.str(d, 'type', `${p}.type`, 'Dataset_PairedImage');
      if (type === MOTION_BLUR_DATASET_TYPE) r.err(`${p}.type`, `${MOTION_BLUR_DATASET_TYPE} is for training only; validate on fixed pairs made by \`degrade --type blur\` (Dataset_PairedImage)`);
      else if (type === BLIND_DATASET_TYPE) r.err(`${p}.type`, `${BLIND_DATASET_TYPE} is for training only; make a fixed validation set with \`diff-mamba degrade --preset <task> --split heldout\` and read it with Dataset_PairedImage`);
      else if (!DATASET_TYPES.includes(type)) r.err(`${p}.type`, `'${type}' is not supported (one of ${DATASET_TYPES.join(', ')})`);
      const gaussian = type === GAUSSIAN_DATASET_TYPE;
      if (gaussian) gaussianInputChannels(r, d, p);
      valDs.push({
        key,
        name: r.str(d, 'name', `${p}.name`, key),
        type,
        datarootGt: rel(r.str(d, 'dataroot_gt', `${p}.dataroot_gt`, undefined)),
        datarootLq: gaussian ? null : rel(r.str(d, 'dataroot_lq', `${p}.dataroot_lq`, undefined)),
        sigmaTest: gaussian ? r.num(d, 'sigma_test', `${p}.sigma_test`, undefined, { min: 0 }) : null,
        noisyAsUint8: gaussian ? noisyAsUint8(r, d, p) : false,
        filenameTmpl: r.str(d, 'filename_tmpl', `${p}.filename_tmpl`, '{}'),
      });
      common();
    } else {
      r.err(p, `unknown dataset phase '${phase}' (keys must start with train or val)`);
    }
  }

  // ---- network
  const ng = r.obj(root, 'network_g', 'network_g');
  const network: NetworkOptions = {
    type: r.oneOf(ng, 'type', 'network_g.type', 'DFT', ['DFT'] as const),
    inpChannels: r.num(ng, 'inp_channels', 'network_g.inp_channels', 6, { int: true, min: 1 }),
    outChannels: r.num(ng, 'out_channels', 'network_g.out_channels', 3, { int: true, min: 1 }),
    dim: r.num(ng, 'dim', 'network_g.dim', 48, { int: true, min: 1 }),
    numBlocks: r.nums(ng, 'num_blocks', 'network_g.num_blocks', [4, 6, 6, 8], { int: true, min: 1, length: 4 }),
    ffnExpansionFactor: r.num(ng, 'ffn_expansion_factor', 'network_g.ffn_expansion_factor', 2.66, { gt: 0 }),
    bias: r.bool(ng, 'bias', 'network_g.bias', false),
    layerNormType: r.oneOf(ng, 'LayerNorm_type', 'network_g.LayerNorm_type', 'WithBias', ['WithBias', 'BiasFree'] as const),
    dualPixelTask: r.bool(ng, 'dual_pixel_task', 'network_g.dual_pixel_task', false),
    dState: r.num(ng, 'd_state', 'network_g.d_state', 32, { int: true, min: 1 }),
    residualFromInput: r.bool(ng, 'residual_from_input', 'network_g.residual_from_input', false),
  };
  if (network.dim % 2 !== 0) r.err('network_g.dim', `must be even (down-sampling halves the channels), got ${network.dim}`);
  // the data sets give RGB images (grey files are read as three equal channels)
  if (network.outChannels !== 3) r.err('network_g.out_channels', `must be 3: the training and validation images are RGB, got ${network.outChannels}`);
  if (network.inpChannels !== 6 && !network.dualPixelTask) r.err('network_g.inp_channels', `must be 6: Diff-Mamba feeds cat[lq, x_t] of two RGB images, got ${network.inpChannels}`);
  try {
    resolveDFTConfig({
      inp_channels: network.inpChannels,
      out_channels: network.outChannels,
      dim: network.dim,
      num_blocks: network.numBlocks,
      ffn_expansion_factor: network.ffnExpansionFactor,
      LayerNorm_type: network.layerNormType,
      bias: network.bias,
      dual_pixel_task: network.dualPixelTask,
      d_state: network.dState,
      residual_from_input: network.residualFromInput,
    });
  } catch (e) {
    // the model's own bounds (sizes, parameter count), under this file's key names
    r.err('', (e as Error).message);
  }
  r.ignore(ng, 'heads', 'network_g.heads', 'accepted and unused (as in the authors\' DFT)');
  r.ignore(ng, 'ffn_factor', 'network_g.ffn_factor', 'accepted and unused (as in the authors\' DFT)');

  // ---- path
  const pa = r.obj(root, 'path', 'path');
  const pre = r.optStr(pa, 'pretrain_network_g', 'path.pretrain_network_g');
  const res = r.optStr(pa, 'resume_state', 'path.resume_state');
  const expRootRaw = r.optStr(pa, 'experiments_root', 'path.experiments_root');
  const expRoot = expRootRaw ? rel(expRootRaw) : resolve(opts.rootDir ?? process.cwd(), 'experiments', name);
  const path: PathOptions = {
    pretrainNetworkG: pre ? rel(pre) : null,
    strictLoadG: r.bool(pa, 'strict_load_g', 'path.strict_load_g', true),
    resumeState: res ? rel(res) : null,
    paramKey: r.str(pa, 'param_key', 'path.param_key', 'params'),
    experimentsRoot: expRoot,
    models: resolve(expRoot, 'models'),
    trainingStates: resolve(expRoot, 'training_states'),
    log: expRoot,
    visualization: resolve(expRoot, 'visualization'),
  };
  r.ignore(pa, 'param_key_g', 'path.param_key_g', "ignored, as by the authors' loader (it reads path.param_key, default 'params')");
  for (const k of ['root', 'models', 'training_states', 'log', 'visualization']) r.ignore(pa, k, `path.${k}`, 'derived from path.experiments_root');

  // ---- train
  const tr = r.obj(root, 'train', 'train');
  const stage = r.oneOf(tr, 'stage', 'train.stage', 'coarse', ['coarse', 'fine'] as const);
  const sc = r.obj(tr, 'scheduler', 'train.scheduler');
  const scType = r.oneOf(sc, 'type', 'train.scheduler.type', 'CosineAnnealingRestartCyclicLR', SCHEDULERS);
  const scheduler: SchedulerOptions = { type: scType };
  if (scType === 'CosineAnnealingRestartCyclicLR' || scType === 'CosineAnnealingRestartLR') {
    scheduler.periods = r.nums(sc, 'periods', 'train.scheduler.periods', sc ? undefined : [50000, 220000], { int: true, min: 1 });
    scheduler.restart_weights = r.nums(sc, 'restart_weights', 'train.scheduler.restart_weights', scheduler.periods.map(() => 1), { min: 0 });
    if (scheduler.restart_weights.length !== scheduler.periods.length) r.err('train.scheduler.restart_weights', `must have one entry per period (${scheduler.periods.length}), got ${scheduler.restart_weights.length}`);
    if (scType === 'CosineAnnealingRestartCyclicLR') {
      scheduler.eta_mins = r.nums(sc, 'eta_mins', 'train.scheduler.eta_mins', sc ? undefined : [3e-4, 1e-5], { min: 0 });
      if (scheduler.eta_mins.length !== scheduler.periods.length) r.err('train.scheduler.eta_mins', `must have one entry per period (${scheduler.periods.length}), got ${scheduler.eta_mins.length}`);
    } else {
      scheduler.eta_min = r.num(sc, 'eta_min', 'train.scheduler.eta_min', 0, { min: 0 });
    }
  } else {
    scheduler.milestones = r.nums(sc, 'milestones', 'train.scheduler.milestones', undefined, { int: true, min: 0 });
    scheduler.gamma = r.num(sc, 'gamma', 'train.scheduler.gamma', 0.1, { gt: 0 });
    if (r.has(sc, 'restarts')) scheduler.restarts = r.nums(sc, 'restarts', 'train.scheduler.restarts', undefined, { int: true, min: 0 });
    if (r.has(sc, 'restart_weights')) scheduler.restart_weights = r.nums(sc, 'restart_weights', 'train.scheduler.restart_weights', undefined, { min: 0 });
    if ((scheduler.restarts?.length ?? 1) !== (scheduler.restart_weights?.length ?? 1)) r.err('train.scheduler.restart_weights', 'must have one entry per restart');
  }
  const periodSum = scheduler.periods ? scheduler.periods.reduce((a, b) => a + b, 0) : undefined;
  const totalIter = r.num(tr, 'total_iter', 'train.total_iter', periodSum, { int: true, min: 1, max: OPTION_BOUNDS.iterations });
  if (periodSum !== undefined && periodSum < totalIter) {
    r.warnings.push(`train.scheduler.periods add up to ${periodSum} < train.total_iter ${totalIter}: BasicSR would fail past the last period; the lr is held at the last cycle's end value`);
  }
  const og = r.obj(tr, 'optim_g', 'train.optim_g');
  const optType = r.oneOf(og, 'type', 'train.optim_g.type', 'AdamW', ['Adam', 'AdamW'] as const);
  const optim: OptimizerOptions = {
    type: optType,
    lr: r.num(og, 'lr', 'train.optim_g.lr', stage === 'fine' ? 1e-5 : 3e-4, { gt: 0, max: OPTION_BOUNDS.lr }),
    weightDecay: r.num(og, 'weight_decay', 'train.optim_g.weight_decay', og ? (optType === 'AdamW' ? 1e-2 : 0) : 1e-4, { min: 0 }),
    betas: r.nums(og, 'betas', 'train.optim_g.betas', [0.9, 0.999], { min: 0, max: 0.999999999, length: 2 }) as [number, number],
    eps: r.num(og, 'eps', 'train.optim_g.eps', 1e-8, { gt: 0 }),
  };
  r.ignore(og, 'amsgrad', 'train.optim_g.amsgrad', 'amsgrad is not implemented');
  const mx = r.obj(tr, 'mixing_augs', 'train.mixing_augs');
  const mixup = {
    enabled: r.bool(mx, 'mixup', 'train.mixing_augs.mixup', false),
    beta: r.num(mx, 'mixup_beta', 'train.mixing_augs.mixup_beta', 1.2, { gt: 0 }),
    useIdentity: r.bool(mx, 'use_identity', 'train.mixing_augs.use_identity', false),
  };
  const po = r.obj(tr, 'pixel_opt', 'train.pixel_opt');
  const pixelLoss = {
    type: r.oneOf(po, 'type', 'train.pixel_opt.type', 'L1Loss', ['L1Loss'] as const),
    lossWeight: r.num(po, 'loss_weight', 'train.pixel_opt.loss_weight', 1, { min: 0 }),
    reduction: r.oneOf(po, 'reduction', 'train.pixel_opt.reduction', 'mean', ['mean', 'sum', 'none'] as const),
  };
  const fl = r.obj(tr, 'fine_loss', 'train.fine_loss');
  const fineLoss = {
    ssimWeight: r.num(fl, 'ssim_weight', 'train.fine_loss.ssim_weight', 0.84, { min: 0 }),
    l1Weight: r.num(fl, 'l1_weight', 'train.fine_loss.l1_weight', 0.16, { min: 0 }),
    msSsimMaxVal: r.num(fl, 'ms_ssim_max_val', 'train.fine_loss.ms_ssim_max_val', 255, { gt: 0 }),
    mseWeight: r.num(fl, 'mse_weight', 'train.fine_loss.mse_weight', 0, { min: 0 }),
  };
  if (fineLoss.ssimWeight + fineLoss.l1Weight + fineLoss.mseWeight === 0) r.err('train.fine_loss', 'ssim_weight, l1_weight and mse_weight are all 0: nothing to train on');
  const train: TrainingOptions = {
    stage,
    totalIter,
    warmupIter: r.num(tr, 'warmup_iter', 'train.warmup_iter', -1, { int: true }),
    useGradClip: r.bool(tr, 'use_grad_clip', 'train.use_grad_clip', true),
    gradClipNorm: r.num(tr, 'grad_clip_norm', 'train.grad_clip_norm', 0.01, { gt: 0 }),
    emaDecay: r.num(tr, 'ema_decay', 'train.ema_decay', 0.999, { min: 0, max: 1 }),
    scheduler,
    optim,
    mixup,
    pixelLoss,
    fineLoss,
  };
  if (trainDs && trainDs.iters.length === 0) trainDs.iters = [totalIter];
  if (trainDs && trainDs.iters.reduce((a, b) => a + b, 0) !== totalIter) {
    r.warnings.push(`datasets.train.iters add up to ${trainDs.iters.reduce((a, b) => a + b, 0)}, train.total_iter is ${totalIter}: the last stage continues to the end`);
  }

  // ---- diffusion
  const df = r.obj(root, 'diffusion', 'diffusion');
  const diffusion: DiffusionOptions = {
    betaSchedule: r.oneOf(df, 'beta_schedule', 'diffusion.beta_schedule', 'linear', BETA_SCHEDULES),
    betaStart: r.num(df, 'beta_start', 'diffusion.beta_start', 1e-4, { min: 0, max: 0.999 }),
    betaEnd: r.num(df, 'beta_end', 'diffusion.beta_end', 0.02, { min: 0, max: 0.999 }),
    numDiffusionTimesteps: r.num(df, 'num_diffusion_timesteps', 'diffusion.num_diffusion_timesteps', 1000, { int: true, min: 1, max: OPTION_BOUNDS.timesteps }),
    samplingTimesteps: r.num(df, 'sampling_timesteps', 'diffusion.sampling_timesteps', 3, { int: true, min: 1 }),
    eta: r.num(df, 'eta', 'diffusion.eta', 0, { min: 0, max: 1 }),
  };
  if (diffusion.betaStart > diffusion.betaEnd && diffusion.betaSchedule !== 'const' && diffusion.betaSchedule !== 'jsd') {
    r.err('diffusion.beta_start', `must not exceed beta_end (${diffusion.betaEnd}), got ${diffusion.betaStart}: the noise would shrink along the chain`);
  }
  if (diffusion.samplingTimesteps > diffusion.numDiffusionTimesteps) r.err('diffusion.sampling_timesteps', `must not exceed num_diffusion_timesteps (${diffusion.numDiffusionTimesteps}), got ${diffusion.samplingTimesteps}`);

  // ---- val
  const vo = r.obj(root, 'val', 'val');
  let val: ValOptions | null = null;
  if (vo) {
    const metrics: Record<string, MetricOptions> = {};
    const mo = r.obj(vo, 'metrics', 'val.metrics');
    for (const mk of Object.keys(mo ?? {})) {
      const mp = `val.metrics.${mk}`;
      const m = r.obj(mo, mk, mp, true)!;
      metrics[mk] = {
        type: r.oneOf(m, 'type', `${mp}.type`, undefined, ['calculate_psnr', 'calculate_ssim'] as const),
        cropBorder: r.num(m, 'crop_border', `${mp}.crop_border`, 0, { int: true, min: 0 }),
        testYChannel: r.bool(m, 'test_y_channel', `${mp}.test_y_channel`, false),
      };
    }
    val = {
      windowSize: r.num(vo, 'window_size', 'val.window_size', 8, { int: true, min: 1 }),
      valFreq: r.num(vo, 'val_freq', 'val.val_freq', 2e4, { int: true, min: 1 }),
      saveImg: r.bool(vo, 'save_img', 'val.save_img', false),
      rgb2bgr: r.bool(vo, 'rgb2bgr', 'val.rgb2bgr', true),
      useImage: r.bool(vo, 'use_image', 'val.use_image', true),
      maxMinibatch: r.num(vo, 'max_minibatch', 'val.max_minibatch', 8, { int: true, min: 1 }),
      metrics,
    };
  }

  // ---- logger
  const lg = r.obj(root, 'logger', 'logger');
  const logger: LoggerOptions = {
    printFreq: r.num(lg, 'print_freq', 'logger.print_freq', 1000, { int: true, min: 1 }),
    saveCheckpointFreq: r.num(lg, 'save_checkpoint_freq', 'logger.save_checkpoint_freq', 4000, { int: true, min: 1 }),
  };
  r.ignore(lg, 'use_tb_logger', 'logger.use_tb_logger', 'no TensorBoard logging');
  r.ignore(lg, 'wandb', 'logger.wandb', 'no Weights & Biases logging');
  // sub-keys of ignored blocks are covered by their parent
  r.ignore(vo, 'pbar', 'val.pbar', 'no progress bar during validation');
  r.ignore(vo, 'suffix', 'val.suffix', 'validation images are not saved');
  r.ignore(pa, 'ignore_resume_networks', 'path.ignore_resume_networks', 'one network, always resumed');
  r.ignore(root, 'find_unused_parameters', 'find_unused_parameters', 'no distributed training');
  const covered = (p: string) => r.unsupported.some((u) => p.startsWith(u.path + '.'));
  const unknownAll = allPaths(root, '', []).filter((p) => !r.read.has(p) && !covered(p));
  const unknownTop = unknownAll.filter((p) => !unknownAll.some((q) => p.startsWith(q + '.')));
  if (unknownTop.length && !opts.allowUnknownKeys) {
    const known = [...r.read, ...r.unsupported.map((u) => u.path)];
    const first = unknownTop[0];
    const hint = didYouMean(first, known);
    const more = unknownTop.length > 1 ? ` (and ${unknownTop.length - 1} more unknown key${unknownTop.length > 2 ? 's' : ''}: ${unknownTop.slice(1, 4).join(', ')}${unknownTop.length > 4 ? ', …' : ''})` : '';
    r.err(first, `unknown key${hint ? `; did you mean '${hint}'?` : ' (not part of the authors’ BasicSR format nor of ours; see docs/training.md)'}${more}`);
  }

  return {
    file: file ? resolve(file) : null,
    baseDir,
    name,
    modelType,
    scale,
    manualSeed,
    datasets: { train: trainDs, val: valDs },
    network,
    path,
    train,
    diffusion,
    val,
    logger,
    unsupported: r.unsupported,
    unknown: unknownTop,
    warnings: r.warnings,
  };
}

/** One line per ignored or unknown key, for the CLI. */
export function describeIgnoredKeys(o: TrainOptions): string[] {
  return [
    ...o.unsupported.map((u) => `${u.path}: ignored — ${u.reason}`),
    ...o.unknown.map((k) => `${k}: unknown key, ignored`),
    ...o.warnings.map((w) => `warning: ${w}`),
  ];
}

/**
 * Checks what the file points at before any work: every data folder exists and is a folder,
 * the pretrained weights and the state to resume from are files, and the experiment folder
 * can be created and written (a probe file is written and removed). Throws an OptionsError
 * naming the key and the path.
 */
export function checkOptionPaths(o: TrainOptions, extra: { resume?: string } = {}): void {
  const fail = (key: string, msg: string): never => {
    throw new OptionsError(key, msg, o.file);
  };
  const folder = (key: string, p: string | null) => {
    if (p === null) return;
    if (!existsSync(p)) fail(key, `${p}: no such folder`);
    if (!statSync(p).isDirectory()) fail(key, `${p}: is a file, not a folder of images`);
  };
  const file = (key: string, p: string | null) => {
    if (p === null) return;
    if (!existsSync(p)) fail(key, `${p}: no such file`);
    if (!statSync(p).isFile()) fail(key, `${p}: is not a file`);
  };
  const t = o.datasets.train;
  if (t) {
    if (t.blind) t.blind.roots.forEach((r, i) => folder(t.blind!.roots.length > 1 ? `datasets.train.dataroot_gt[${i}]` : 'datasets.train.dataroot_gt', r));
    else folder('datasets.train.dataroot_gt', t.datarootGt);
    folder('datasets.train.dataroot_lq', t.datarootLq);
  }
  for (const v of o.datasets.val) {
    folder(`datasets.${v.key}.dataroot_gt`, v.datarootGt);
    folder(`datasets.${v.key}.dataroot_lq`, v.datarootLq);
  }
  file('path.pretrain_network_g', o.path.pretrainNetworkG);
  if (extra.resume !== undefined) {
    if (!existsSync(extra.resume)) throw new OptionsError('', `--resume ${extra.resume}: no such file`);
    if (!statSync(extra.resume).isFile()) throw new OptionsError('', `--resume ${extra.resume}: is not a file`);
  } else file('path.resume_state', o.path.resumeState);
  // the experiment folder: created (as training will) and probed with a small write
  const root = o.path.experimentsRoot;
  const probe = `${root}/.diff-mamba-write-test-${process.pid}`;
  try {
    for (const dir of [root, o.path.models, o.path.trainingStates]) {
      if (existsSync(dir) && !statSync(dir).isDirectory()) fail('path.experiments_root', `${dir}: exists and is not a folder`);
      makeDirs(dir);
      // what a run killed mid-write left behind
      removeStaleTempFiles(dir);
    }
    writeFileSync(probe, 'ok\n');
    rmSync(probe, { force: true });
  } catch (e) {
    if (e instanceof OptionsError) throw e;
    fail('path.experiments_root', `${root}: cannot create or write the experiment folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
