import type { Rng } from '../../tensor/random.js';
import type { PairBatch } from './augment.js';

export interface ProgressiveStage {
  /** Index into iters / mini_batch_sizes / gt_sizes. */
  index: number;
  batchSize: number;
  patchSize: number;
  /** The last iteration of this stage (cumsum(iters)[index]). */
  endIter: number;
}

/**
 * Restormer's progressive ("patch-cycle") learning: `groups = cumsum(iters)`; at (1-based)
 * iteration i the stage is the first j with `i <= groups[j]`, the last one past the end.
 */
export class ProgressiveSchedule {
  readonly groups: number[];

  constructor(readonly iters: number[], readonly miniBatchSizes: number[], readonly gtSizes: number[]) {
    if (iters.length === 0) throw new RangeError('progressive schedule: iters must not be empty');
    if (iters.length !== miniBatchSizes.length || iters.length !== gtSizes.length) {
      throw new RangeError(`progressive schedule: iters (${iters.length}), mini_batch_sizes (${miniBatchSizes.length}) and gt_sizes (${gtSizes.length}) must have the same length`);
    }
    for (const [k, v] of [['iters', iters], ['mini_batch_sizes', miniBatchSizes], ['gt_sizes', gtSizes]] as const) {
      if (!v.every((x) => Number.isInteger(x) && x > 0)) throw new RangeError(`progressive schedule: ${k} must be positive integers, got ${JSON.stringify(v)}`);
    }
    let s = 0;
    this.groups = iters.map((n) => (s += n));
  }

  stageAt(currentIter: number): ProgressiveStage {
    let j = this.groups.findIndex((g) => currentIter <= g);
    if (j < 0) j = this.groups.length - 1;
    return { index: j, batchSize: this.miniBatchSizes[j], patchSize: this.gtSizes[j], endIter: this.groups[j] };
  }

  /** The largest batch and patch any stage asks for. */
  maxBatchSize(): number {
    return Math.max(...this.miniBatchSizes);
  }

  maxPatchSize(): number {
    return Math.max(...this.gtSizes);
  }
}

/**
 * Restormer `train.py`'s per-iteration reduction of a loaded batch (batch_size_per_gpu
 * crops of gt_size) to the stage's size: if `mini_batch_size < batch_size`, keep
 * `random.sample(range(batch_size), k=mini_batch_size)` (a random subset in random order);
 * if `mini_gt_size < gt_size`, crop ONE window for the whole batch at
 * `x0 = int((gt_size − mini)·U)` (rows), `y0 = int((gt_size − mini)·U)` (columns).
 */
export function progressiveSubBatch(batch: PairBatch, stage: { batchSize: number; patchSize: number }, rng: Rng): PairBatch {
  let { n } = batch;
  const { c, h, w } = batch;
  if (stage.patchSize > Math.min(h, w)) throw new RangeError(`progressive: stage patch ${stage.patchSize} exceeds the loaded ${h}×${w} crops`);
  let order = Array.from({ length: n }, (_, i) => i);
  if (stage.batchSize < n) {
    // random.sample: a partial Fisher–Yates, first k picks in draw order
    for (let i = 0; i < stage.batchSize; i++) {
      const j = rng.int(i, n);
      [order[i], order[j]] = [order[j], order[i]];
    }
    order = order.slice(0, stage.batchSize);
    n = stage.batchSize;
  }
  const p = stage.patchSize;
  const crop = p < h || p < w;
  const x0 = crop ? Math.floor((h - p) * rng.uniform()) : 0;
  const y0 = crop ? Math.floor((w - p) * rng.uniform()) : 0;
  const oh = crop ? p : h;
  const ow = crop ? p : w;
  const take = (src: Float32Array): Float32Array => {
    const out = new Float32Array(n * c * oh * ow);
    order.forEach((b, i) => {
      for (let ch = 0; ch < c; ch++) {
        for (let y = 0; y < oh; y++) {
          const s = ((b * c + ch) * h + x0 + y) * w + y0;
          out.set(src.subarray(s, s + ow), ((i * c + ch) * oh + y) * ow);
        }
      }
    });
    return out;
  };
  return { lq: take(batch.lq), gt: take(batch.gt), n, c, h: oh, w: ow };
}
