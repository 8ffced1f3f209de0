import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../../tensor/ops/index.js';

/** mean (pred − target)² */
export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  const d = F.sub(pred, target);
  return F.mean(F.mul(d, d));
}
