import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../../tensor/ops/index.js';

/** mean |pred − target| */
export function l1Loss(pred: Tensor, target: Tensor): Tensor {
  return F.mean(F.abs(F.sub(pred, target)));
}
