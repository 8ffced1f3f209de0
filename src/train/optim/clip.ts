import type { Param } from './param.js';

/**
 * `torch.nn.utils.clip_grad_norm_` (torch 1.13 semantics): the total norm is the norm of
 * the per-parameter norms; every gradient is multiplied by
 * `min(1, maxNorm / (total + 1e-6))`. Parameters without a gradient are skipped.
 * Returns the total norm before clipping. BasicSR/Restormer call it with maxNorm = 0.01
 * when `train.use_grad_clip` is set.
 */
export function clipGradNorm(params: Iterable<Param>, maxNorm: number, normType: number = 2): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  if (!(normType === Infinity || normType > 0)) throw new RangeError(`clipGradNorm: normType must be positive or Infinity, got ${normType}`);
  const grads: Float32Array[] = [];
  for (const p of params) if (p.grad) grads.push(p.grad);
  if (grads.length === 0) return 0;
  let total: number;
  if (normType === Infinity) {
    total = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) total = Math.max(total, Math.abs(g[i]));
  } else {
    let acc = 0;
    for (const g of grads) {
      let s = 0;
      for (let i = 0; i < g.length; i++) s += Math.abs(g[i]) ** normType;
      // torch rounds each per-parameter norm to the gradient's float32
      acc += Math.fround(s ** (1 / normType)) ** normType;
    }
    total = Math.fround(acc ** (1 / normType));
  }
  const coef = Math.fround(maxNorm / (total + 1e-6));
  if (coef < 1) {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return total;
}
