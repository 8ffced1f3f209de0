// The `datasets` section: a registry from dataset type names to what each reads and makes,
// and the readers of the training and validation sections built on it.
import { FAMILIES, PRESET_NAMES, PRESETS, type PresetName } from '../../degrade/blind/families.js';
import type { GaussianNoiseOptions } from '../data/gaussian-noise.js';
import type { MotionBlurTrainOptions } from '../data/motion-blur.js';
import type { BlindDegradationTrainOptions } from '../data/blind-degradation.js';
import { describe, type Obj, type Reader } from './reader.js';
import { OPTION_BOUNDS, type TrainDatasetOptions, type ValDatasetOptions } from './types.js';

/** What a dataset type makes of a training section: the degradation it applies to clean crops, if any. */
type TrainDegradation = Pick<TrainDatasetOptions, 'gaussian' | 'motionBlur' | 'blind'>;
/** What a dataset type makes of a validation section: the fixed noise it adds, if any. */
type ValDegradation = Pick<ValDatasetOptions, 'sigmaTest' | 'noisyAsUint8'>;

export interface DatasetType {
  /** Makes its input from dataroot_gt (no dataroot_lq). */
  synthetic: boolean;
  /** Reads the type's own keys of a training section. */
  train(r: Reader, d: Obj, p: string, rel: (s: string) => string): TrainDegradation;
  /** Reads the type's own keys of a validation section, or says why the type cannot validate. */
  val: ((r: Reader, d: Obj, p: string) => ValDegradation) | { refuse: string };
}

const NO_DEGRADATION: TrainDegradation = { gaussian: null, motionBlur: null, blind: null };

const PAIRED: DatasetType = {
  synthetic: false,
  train: () => NO_DEGRADATION,
  val: () => ({ sigmaTest: null, noisyAsUint8: false }),
};

/**
 * The dataset types of option files. A new type is an entry here, its data code in
 * src/train/data/, and the trainer's pair step (docs/contributing.md).
 */
export const DATASET_TYPES: Readonly<Record<string, DatasetType>> = {
  Dataset_PairedImage: PAIRED,
  PairedImageDataset: PAIRED,
  Dataset_GaussianDenoising: {
    synthetic: true,
    train: (r, d, p) => ({ ...NO_DEGRADATION, gaussian: gaussianTrainNoise(r, d, p) }),
    val: (r, d, p) => {
      gaussianInputChannels(r, d, p);
      return { sigmaTest: r.num(d, 'sigma_test', `${p}.sigma_test`, undefined, { min: 0 }), noisyAsUint8: noisyAsUint8(r, d, p) };
    },
  },
  Dataset_MotionBlur: {
    synthetic: true,
    train: (r, d, p) => ({ ...NO_DEGRADATION, motionBlur: motionBlurTrain(r, d, p) }),
    val: { refuse: 'is for training only; validate on fixed pairs made by `degrade --type blur` (Dataset_PairedImage)' },
  },
  Dataset_BlindDegradation: {
    synthetic: true,
    train: (r, d, p, rel) => ({ ...NO_DEGRADATION, blind: blindTrain(r, d, p, rel) }),
    val: { refuse: 'is for training only; make a fixed validation set with `diff-mamba degrade --preset <task> --split heldout` and read it with Dataset_PairedImage' },
  },
};

const TRAIN_TYPES = Object.keys(DATASET_TYPES);
const VAL_TYPES = TRAIN_TYPES.filter((t) => typeof DATASET_TYPES[t].val === 'function');

/** io_backend, phase and scale: keys every section may carry. */
function commonKeys(r: Reader, d: Obj, p: string): void {
  const io = r.obj(d, 'io_backend', `${p}.io_backend`);
  if (io) {
    const t = r.str(io, 'type', `${p}.io_backend.type`, 'disk');
    if (t !== 'disk') r.unsupported.push({ path: `${p}.io_backend.type`, reason: `'${t}' is not supported; images are read from disk` });
    for (const extra of Object.keys(io)) if (extra !== 'type') r.ignore(io, extra, `${p}.io_backend.${extra}`, 'io_backend options are not used');
  }
  r.ignore(d, 'phase', `${p}.phase`, 'set from the dataset key');
  r.ignore(d, 'scale', `${p}.scale`, 'set from the top-level scale');
}

/** The `datasets` section: at most one training set (keys train…) and any validation sets (val…). */
export function readDatasets(r: Reader, root: Obj, rel: (s: string) => string): { train: TrainDatasetOptions | null; val: ValDatasetOptions[] } {
  const ds = r.obj(root, 'datasets', 'datasets');
  let train: TrainDatasetOptions | null = null;
  const val: ValDatasetOptions[] = [];
  for (const key of Object.keys(ds ?? {})) {
    const phase = key.split('_')[0];
    const p = `datasets.${key}`;
    const d = r.obj(ds, key, p, true)!;
    if (phase === 'train') train = readTrainDataset(r, d, p, rel);
    else if (phase === 'val') val.push(readValDataset(r, d, p, key, rel));
    else r.err(p, `unknown dataset phase '${phase}' (keys must start with train or val)`);
    commonKeys(r, d, p);
  }
  return { train, val };
}

function readTrainDataset(r: Reader, d: Obj, p: string, rel: (s: string) => string): TrainDatasetOptions {
  const tp = r.str(d, 'type', `${p}.type`, 'Dataset_PairedImage');
  const type = DATASET_TYPES[tp];
  if (!Object.hasOwn(DATASET_TYPES, tp)) r.err(`${p}.type`, `'${tp}' is not supported (one of ${TRAIN_TYPES.join(', ')})`);
  const degradation = type.train(r, d, p, rel);
  const { blind } = degradation;
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
  const trainDs: TrainDatasetOptions = {
    name: r.str(d, 'name', `${p}.name`, 'train'),
    type: tp,
    datarootGt: blind ? blind.roots[0] : rel(r.str(d, 'dataroot_gt', `${p}.dataroot_gt`, undefined)),
    datarootLq: type.synthetic ? null : rel(r.str(d, 'dataroot_lq', `${p}.dataroot_lq`, undefined)),
    ...degradation,
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
  return trainDs;
}

function readValDataset(r: Reader, d: Obj, p: string, key: string, rel: (s: string) => string): ValDatasetOptions {
  const type = r.str(d, 'type', `${p}.type`, 'Dataset_PairedImage');
  const t = Object.hasOwn(DATASET_TYPES, type) ? DATASET_TYPES[type] : null;
  if (t && typeof t.val !== 'function') r.err(`${p}.type`, `${type} ${t.val.refuse}`);
  if (!t || typeof t.val !== 'function') return r.err(`${p}.type`, `'${type}' is not supported (one of ${VAL_TYPES.join(', ')})`);
  const noise = t.val(r, d, p);
  return {
    key,
    name: r.str(d, 'name', `${p}.name`, key),
    type,
    datarootGt: rel(r.str(d, 'dataroot_gt', `${p}.dataroot_gt`, undefined)),
    datarootLq: t.synthetic ? null : rel(r.str(d, 'dataroot_lq', `${p}.dataroot_lq`, undefined)),
    ...noise,
    filenameTmpl: r.str(d, 'filename_tmpl', `${p}.filename_tmpl`, '{}'),
  };
}

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
