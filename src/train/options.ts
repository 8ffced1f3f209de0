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
 * l1_weight, ms_ssim_max_val, mse_weight}`, `network_g.residual_from_input`, `network_g.predict_residual`, `diffusion.eta`,
 * `path.experiments_root`, and the training data sets `Dataset_MotionBlur` and
 * `Dataset_BlindDegradation` (docs/degradations.md).
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { makeDirs, removeStaleTempFiles } from '../io/atomic.js';
import { BETA_SCHEDULES } from '../diffusion/schedule.js';
import { allPaths, didYouMean, explicitFloat, Reader, type Obj } from './options/reader.js';
import { readDatasets } from './options/datasets.js';
import { readNetwork } from './options/network.js';
import { readTraining } from './options/training.js';
import {
  OPTION_BOUNDS, OptionsError,
  type DiffusionOptions, type LoggerOptions, type MetricOptions, type ParseOptionsOptions, type PathOptions,
  type TrainOptions, type ValOptions,
} from './options/types.js';

export * from './options/types.js';
export { DATASET_TYPES, type DatasetType } from './options/datasets.js';

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
  if (!/^[\w.-]+$/.test(name)) r.err('name', `must be a plain folder name (letters, digits, _ . -), got '${name}'`);
  const modelType = r.str(root, 'model_type', 'model_type', 'ImageCleanModel');
  const scale = r.num(root, 'scale', 'scale', 1, { int: true });
  if (scale !== 1) r.err('scale', `only 1 is supported (restoration keeps the size), got ${scale}`);
  const manualSeedRaw = r.raw(root, 'manual_seed', 'manual_seed');
  const manualSeed = manualSeedRaw === undefined || manualSeedRaw === null ? null : r.num(root, 'manual_seed', 'manual_seed', undefined, { int: true, min: 0 });
  r.ignore(root, 'num_gpu', 'num_gpu', 'training runs in one process on the CPU');
  r.ignore(root, 'dist_params', 'dist_params', 'no distributed training');
  r.ignore(root, 'dist', 'dist', 'no distributed training');
  r.ignore(root, 'is_train', 'is_train', 'set by the command, not the file');

  const { train: trainDs, val: valDs } = readDatasets(r, root, rel);
  const network = readNetwork(r, root);

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

  const train = readTraining(r, root);
  const totalIter = train.totalIter;
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
