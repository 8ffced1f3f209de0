import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import * as F from '../tensor/ops/index.js';
import { Module } from './module.js';
import { uniformFanIn } from './init.js';

/** PyTorch's Linear: weight (out, in), optional bias. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean; rng?: Rng } = {}) {
    super();
    const rng = opts.rng ?? new Rng(0);
    this.weight = this.param('weight', uniformFanIn([outFeatures, inFeatures], inFeatures, rng));
    this.bias = opts.bias === false ? null : this.param('bias', uniformFanIn([outFeatures], inFeatures, rng));
  }

  /** Over the last axis. */
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }

  /** Over axis 1 of an NCHW tensor (a 1×1 convolution with this weight). */
  forwardChannels(x: Tensor): Tensor {
    const w = F.reshape(this.weight, [this.outFeatures, this.inFeatures, 1, 1]);
    return F.conv2d(x, w, this.bias);
  }
}
