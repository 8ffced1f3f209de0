import type { Rng } from '../tensor/random.js';

/** The DDIM visiting order: `seq[k]` is the step evaluated at iteration k, `seqNext[k]` its target. */
export interface DdimTimesteps {
  seq: number[];
  seqNext: number[];
}

/**
 * DDIM steps as the authors' sampler visits them: `skip = T // S`,
 * `seq = range(0, T, skip)`, `seq_next = [-1] + seq[:-1]`, both walked in reverse.
 * NOTE (quirk kept from the original): T = 1000, S = 3 gives skip 333 and FOUR steps,
 * 999 → 666 → 333 → 0 → −1; `seq` is returned in that reverse order.
 */
export function ddimTimesteps(T: number, S: number): DdimTimesteps {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`ddimTimesteps: T must be a positive integer, got ${T}`);
  if (!Number.isInteger(S) || S < 1 || S > T) throw new RangeError(`ddimTimesteps: sampling steps must be an integer in [1, ${T}], got ${S}`);
  const skip = Math.floor(T / S);
  const seq: number[] = [];
  for (let t = 0; t < T; t += skip) seq.push(t);
  const next = [-1, ...seq.slice(0, -1)];
  return { seq: seq.reverse(), seqNext: next.reverse() };
}

/**
 * Antithetic timesteps of the coarse stage: `t = randint(0, T, n//2 + 1)`,
 * `t = cat[t, T−1−t][:n]` (so for n ≤ 2 no mirrored step survives the slice).
 */
export function antitheticTimesteps(n: number, T: number, rng: Rng): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`antitheticTimesteps: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`antitheticTimesteps: T must be a positive integer, got ${T}`);
  const draw: number[] = [];
  for (let i = 0; i < Math.floor(n / 2) + 1; i++) draw.push(rng.int(0, T));
  return [...draw, ...draw.map((t) => T - 1 - t)].slice(0, n);
}
