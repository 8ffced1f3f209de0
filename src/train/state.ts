import { readFileSync } from 'node:fs';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { isProjectError, showValue } from '../io/limits.js';
import type { AdamState } from './optim/index.js';
import type { LrSchedulerState } from './lr-scheduler.js';
import type { BatchSamplerState } from './data/sampler.js';
import type { Rng } from '../tensor/random.js';

type RngState = ReturnType<Rng['getState']>;

/** Everything a resumed run needs to continue exactly where the interrupted one stopped. */
export interface TrainingState {
  iter: number;
  epoch: number;
  params: Float32Array[];
  ema: Float32Array[];
  emaDecay: number;
  optim: AdamState;
  scheduler: LrSchedulerState;
  sampler: BatchSamplerState;
  rng: RngState;
  /** Loss and validation history, for the curves. */
  history: { losses: [number, number][]; val: [number, number][] };
  optionsFile: string | null;
}

const FORMAT = 'diff-mamba-training-state-1';

/** A training state that cannot be read or does not fit; the message names the file. */
export class TrainingStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingStateError';
  }
}

/** A training run stopped to protect its weights (non-finite loss, blown-up weights). */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** Serialises to a safetensors file (arrays as tensors, the rest as JSON metadata), atomically. */
export function saveTrainingState(path: string, s: TrainingState): void {
  const tensors: [string, { shape: number[]; data: Float32Array }][] = [];
  s.params.forEach((p, i) => tensors.push([`params.${i}`, { shape: [p.length], data: p }]));
  s.ema.forEach((p, i) => tensors.push([`ema.${i}`, { shape: [p.length], data: p }]));
  const optimMeta = {
    ...s.optim,
    params: s.optim.params.map((p, i) => {
      if (!p) return null;
      tensors.push([`optim.exp_avg.${i}`, { shape: [p.expAvg.length], data: p.expAvg }]);
      tensors.push([`optim.exp_avg_sq.${i}`, { shape: [p.expAvgSq.length], data: p.expAvgSq }]);
      return { step: p.step };
    }),
  };
  const meta = {
    format: FORMAT,
    iter: String(s.iter),
    state: JSON.stringify({
      iter: s.iter,
      epoch: s.epoch,
      emaDecay: s.emaDecay,
      optim: optimMeta,
      scheduler: s.scheduler,
      sampler: s.sampler,
      rng: s.rng,
      history: s.history,
      optionsFile: s.optionsFile,
      count: s.params.length,
    }),
  };
  writeFileAtomic(path, serializeSafetensors(tensors, meta));
}

export function loadTrainingState(path: string): TrainingState {
  try {
    return readTrainingState(path);
  } catch (e) {
    if (isProjectError(e)) throw e;
    // a state whose JSON parses but whose fields are not what we wrote
    throw new TrainingStateError(`${path}: the training state is damaged (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
  }
}

function readTrainingState(path: string): TrainingState {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new TrainingStateError(`cannot read the training state ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { tensors, metadata } = parseSafetensors(buf, path);
  if (metadata.format !== FORMAT) throw new TrainingStateError(`${path} is not a diff-mamba training state (format ${showValue(metadata.format ?? 'none')}); model weights go to path.pretrain_network_g, not --resume`);
  let st: Omit<TrainingState, 'params' | 'ema'> & { count: number; optim: AdamState & { params: ({ step: number } | null)[] } };
  try {
    st = JSON.parse(metadata.state ?? '');
  } catch {
    throw new TrainingStateError(`${path}: the training state's metadata is not valid JSON (the file is damaged or was cut short while written)`);
  }
  const bad = (what: string): never => {
    throw new TrainingStateError(`${path}: the training state is damaged (${what})`);
  };
  if (typeof st !== 'object' || st === null) bad('its state is not a JSON object');
  if (!Number.isSafeInteger(st.iter) || st.iter < 0) bad(`iteration ${showValue(st.iter)}`);
  if (!Number.isSafeInteger(st.count) || st.count < 0 || st.count > 100_000) bad(`tensor count ${showValue(st.count)}`);
  if (typeof st.optim !== 'object' || st.optim === null || !Array.isArray(st.optim.params) || st.optim.params.length !== st.count) bad('optimizer state');
  if (!st.history || !Array.isArray(st.history.losses) || !Array.isArray(st.history.val)) bad('history');
  const get = (k: string) => {
    const t = tensors.get(k);
    if (!t) throw new TrainingStateError(`${path}: training state lacks tensor ${k}`);
    return t.data;
  };
  const params = Array.from({ length: st.count }, (_, i) => get(`params.${i}`));
  const ema = Array.from({ length: st.count }, (_, i) => get(`ema.${i}`));
  const optim: AdamState = {
    ...st.optim,
    params: st.optim.params.map((p, i) => (p ? { step: p.step, expAvg: get(`optim.exp_avg.${i}`), expAvgSq: get(`optim.exp_avg_sq.${i}`) } : null)),
  };
  return { ...st, params, ema, optim };
}
