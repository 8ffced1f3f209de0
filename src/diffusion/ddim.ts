import { Tensor, noGrad } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import * as F from '../tensor/ops/index.js';
import { TensorError } from '../tensor/errors.js';
import type { NoiseSchedule } from './schedule.js';
import { ddimTimesteps } from './timesteps.js';

/** The denoiser as the sampler sees it: ε̂ = net(cat[cond, x_t], t). */
export type NoisePredictor = (input: Tensor, t: Float32Array) => Tensor;

export interface DdimOptions {
  /** `sampling_timesteps` (default 3, which makes FOUR network calls: 999 → 666 → 333 → 0 → −1). */
  steps?: number;
  /** 0 is deterministic given x_T; > 0 adds fresh noise at each step. */
  eta?: number;
  /** Source of the η noise (drawn at every step even when η = 0, as the original does). */
  rng?: Rng;
  /** Supplies the η noise of step k instead of `rng` (tiled restoration draws it by pixel position). */
  noise?: (k: number) => Float32Array;
  /** Keep every intermediate x and x̂0 (the fixture and the fine stage's debugging need them). */
  keepTrajectory?: boolean;
  /** Called after each network evaluation. */
  onStep?: (done: number, total: number) => void;
}

export interface DdimResult {
  /** The final sample in data space [−1, 1]. */
  x: Tensor;
  xs: Tensor[];
  x0s: Tensor[];
}

const f32 = Math.fround;

/** Maps images in [0, 1] to the model's [−1, 1]. */
export function dataTransform(x: Tensor): Tensor {
  return F.addScalar(F.mulScalar(x, 2), -1);
}

/** Maps [−1, 1] back to [0, 1], clamped. */
export function inverseDataTransform(x: Tensor): Tensor {
  return F.clamp(F.mulScalar(F.addScalar(x, 1), 0.5), 0, 1);
}

/** Where the sampler stands when it pauses: `call` network calls are done, `total` in all. */
export interface DdimPause {
  /** Network calls done so far (0 before the first). */
  call: number;
  /** Network calls the sampler makes: steps + 1. */
  total: number;
}

/**
 * Generalised DDIM conditioned on the degraded image `lq` (in [0, 1]), from x_T, as a
 * generator: the ONE definition of the sampler, which the sync and async drivers below pump.
 * It pauses before each network call (yielding where it stands), so every `next()` after the
 * first runs exactly one network call and its update; the last returns the result. Runs with
 * gradients when grad mode is on at each `next()`.
 */
export function* ddimSteps(net: NoisePredictor, schedule: NoiseSchedule, lq: Tensor, xT: Tensor, opts: DdimOptions = {}): Generator<DdimPause, DdimResult, void> {
  if (lq.ndim !== 4 || xT.ndim !== 4 || lq.shape[0] !== xT.shape[0] || lq.shape[2] !== xT.shape[2] || lq.shape[3] !== xT.shape[3]) {
    throw new TensorError('ddimSample', 'lq and x_T must be (N, C, H, W) of the same batch and size', [lq.shape, xT.shape]);
  }
  const eta = opts.eta ?? 0;
  const rng = opts.rng ?? new Rng(0);
  const { seq, seqNext } = ddimTimesteps(schedule.numTimesteps, opts.steps ?? 3);
  const n = lq.shape[0];
  const cond = dataTransform(lq);
  let x = xT;
  const xs: Tensor[] = [xT];
  const x0s: Tensor[] = [];
  for (let k = 0; k < seq.length; k++) {
    yield { call: k, total: seq.length };
    const a = schedule.alpha(seq[k]);
    const aNext = schedule.alpha(seqNext[k]);
    const et = net(F.concat([cond, x], 1), new Float32Array(n).fill(seq[k]));
    const x0 = F.mulScalar(F.sub(x, F.mulScalar(et, f32(Math.sqrt(f32(1 - a))))), f32(1 / f32(Math.sqrt(a))));
    const c1 = f32(eta * Math.sqrt(f32(f32(f32(1 - f32(a / aNext)) * f32(1 - aNext)) / f32(1 - a))));
    const c2 = f32(Math.sqrt(f32(f32(1 - aNext) - f32(c1 * c1))));
    let next = F.add(F.mulScalar(x0, f32(Math.sqrt(aNext))), F.mulScalar(et, c2));
    // the original draws this noise even when η = 0; a supplied noise source is only asked when used
    const noise = opts.noise && eta !== 0 ? opts.noise(k) : rng.fillNormal(new Float32Array(x.size));
    if (eta !== 0) next = F.add(next, F.mulScalar(new Tensor(noise, x.shape), c1));
    x = next;
    if (opts.keepTrajectory) {
      xs.push(x);
      x0s.push(x0);
    }
    opts.onStep?.(k + 1, seq.length);
  }
  if (!opts.keepTrajectory) xs.push(x);
  return { x, xs, x0s };
}

/**
 * Generalised DDIM conditioned on the degraded image `lq` (in [0, 1]), from x_T, run to the
 * end synchronously. Runs with gradients when grad mode is on (the fine stage differentiates
 * through every call).
 */
export function ddimSample(net: NoisePredictor, schedule: NoiseSchedule, lq: Tensor, xT: Tensor, opts: DdimOptions = {}): DdimResult {
  const it = ddimSteps(net, schedule, lq, xT, opts);
  let r = it.next();
  while (!r.done) r = it.next();
  return r.value;
}

/** Inference: the sampler run without recording gradients; returns the restored image's data in [0, 1]. */
export function restoreWithDdim(net: NoisePredictor, schedule: NoiseSchedule, lq: Tensor, xT: Tensor, opts: DdimOptions = {}): Float32Array {
  return noGrad(() => inverseDataTransform(ddimSample(net, schedule, lq, xT, opts).x).data);
}

export interface DdimAsyncOptions extends DdimOptions {
  /** Called before each network call; throw from it to stop (the restorer checks its AbortSignal here). */
  beforeCall?: (p: DdimPause) => void;
  /** Awaited after each network call (the restorer yields to the event loop here). */
  pause?: () => Promise<void>;
}

/**
 * restoreWithDdim driven asynchronously: the same sampler (ddimSteps), one network call per
 * turn, each run without gradients, with `beforeCall` before and `onStep` and `pause` after
 * each call. Bit-identical to restoreWithDdim for the same inputs.
 */
export async function restoreWithDdimAsync(net: NoisePredictor, schedule: NoiseSchedule, lq: Tensor, xT: Tensor, opts: DdimAsyncOptions = {}): Promise<Float32Array> {
  const it = ddimSteps(net, schedule, lq, xT, opts);
  // grad mode is switched off per turn, never across an await, so other code keeps its own
  let r = noGrad(() => it.next());
  while (!r.done) {
    const at = r.value;
    opts.beforeCall?.(at);
    r = noGrad(() => it.next());
    await opts.pause?.();
  }
  const x = r.value.x;
  return noGrad(() => inverseDataTransform(x).data);
}
