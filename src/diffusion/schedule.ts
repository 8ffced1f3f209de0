/**
 * β schedules and ᾱ tables, bit-compatible with the DDPM/DDIM code the authors use
 * (`get_beta_schedule`, numpy float64, then `torch.from_numpy(betas).float()`).
 */

export type BetaScheduleName = 'linear' | 'quad' | 'const' | 'jsd' | 'sigmoid';

export const BETA_SCHEDULES: readonly BetaScheduleName[] = ['linear', 'quad', 'const', 'jsd', 'sigmoid'];

export interface BetaScheduleOptions {
  schedule?: BetaScheduleName;
  betaStart?: number;
  betaEnd?: number;
  /** T, the number of diffusion steps. */
  numTimesteps?: number;
}

/**
 * numpy.linspace(start, stop, num) in float64 (endpoint=True): `i*step + start`, the
 * last element set to exactly `stop`. Returned as plain doubles.
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`linspace: num must be a non-negative integer, got ${num}`);
  const out = new Float64Array(num);
  if (num === 0) return out;
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  if (step === 0) {
    // numpy's zero-step branch: y = (i / div) * delta + start
    for (let i = 0; i < num; i++) out[i] = (i / (num - 1)) * (stop - start) + start;
  } else {
    for (let i = 0; i < num; i++) out[i] = i * step + start;
  }
  out[num - 1] = stop;
  return out;
}

/** The β schedule as float32, exactly as the authors' code builds it. */
export function betaSchedule(opts: BetaScheduleOptions = {}): Float32Array {
  const name = opts.schedule ?? 'linear';
  const start = opts.betaStart ?? 1e-4;
  const end = opts.betaEnd ?? 0.02;
  const T = opts.numTimesteps ?? 1000;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`betaSchedule: numTimesteps must be a positive integer, got ${T}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`betaSchedule: betaStart/betaEnd must be finite, got ${start}, ${end}`);
  let b: Float64Array;
  switch (name) {
    case 'linear':
      b = linspace(start, end, T);
      break;
    case 'quad':
      b = linspace(Math.sqrt(start), Math.sqrt(end), T).map((v) => v * v);
      break;
    case 'const':
      b = new Float64Array(T).fill(end);
      break;
    case 'jsd':
      // 1/T, 1/(T-1), ..., 1
      b = linspace(T, 1, T).map((v) => 1 / v);
      break;
    case 'sigmoid':
      b = linspace(-6, 6, T).map((v) => (1 / (Math.exp(-v) + 1)) * (end - start) + start);
      break;
    default:
      throw new RangeError(`betaSchedule: unknown schedule '${name as string}' (expected one of ${BETA_SCHEDULES.join(', ')})`);
  }
  const out = Float32Array.from(b);
  for (let i = 0; i < T; i++) {
    if (!(out[i] >= 0 && out[i] <= 1)) throw new RangeError(`betaSchedule: β[${i}] = ${out[i]} lies outside [0, 1]`);
  }
  return out;
}

/**
 * ᾱ_t = Π_{s≤t} (1 − β_s), as torch's CPU `cumprod` computes it for float32: each factor
 * (1 − β) is rounded to float32, the running product is kept in float64 and every prefix
 * is rounded to float32 (a pure float32 running product drifts by up to ~3e-7).
 */
export function alphasCumprod(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= Math.fround(1 - betas[i]);
    out[i] = acc;
  }
  return out;
}

/**
 * The table behind `compute_alpha`: `[1, ᾱ_0, …, ᾱ_{T−1}]` (β = 0 prepended), so that
 * `table[t + 1]` is ᾱ_t and `table[0] = alpha(−1) = 1`.
 */
export function alphaTable(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length + 1);
  out[0] = 1;
  out.set(alphasCumprod(betas), 1);
  return out;
}

/** ᾱ at an integer step t ∈ [−1, T−1]; t = −1 gives 1 (the DDIM sampler's last target). */
export function computeAlpha(betas: Float32Array, t: number): number {
  return alphaAt(alphaTable(betas), t);
}

/** Looks t up in a table made by {@link alphaTable}. */
export function alphaAt(table: Float32Array, t: number): number {
  if (!Number.isInteger(t) || t < -1 || t > table.length - 2) {
    throw new RangeError(`alpha: timestep ${t} is outside [-1, ${table.length - 2}]`);
  }
  return table[t + 1];
}

/** A schedule with its tables precomputed; what the trainer and the sampler share. */
export class NoiseSchedule {
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** `[1, ᾱ_0, …]`, see {@link alphaTable}. */
  readonly table: Float32Array;
  readonly numTimesteps: number;

  constructor(opts: BetaScheduleOptions | Float32Array = {}) {
    this.betas = opts instanceof Float32Array ? Float32Array.from(opts) : betaSchedule(opts);
    this.numTimesteps = this.betas.length;
    this.table = alphaTable(this.betas);
    this.alphasCumprod = this.table.slice(1);
  }

  /** ᾱ_t for t ∈ [−1, T−1] (t = −1 → 1). */
  alpha(t: number): number {
    return alphaAt(this.table, t);
  }
}
