import { Tensor } from '../tensor/tensor.js';
import * as F from '../tensor/ops/index.js';
import { Module } from './module.js';

export type LayerNormType = 'WithBias' | 'BiasFree';

/** LayerNorm over the channel axis with its own weight / bias (PyTorch keys `weight`, `bias`). */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly dim: number, withBias = true, readonly eps = 1e-5) {
    super();
    this.weight = this.param('weight', Tensor.ones([dim]));
    this.bias = withBias ? this.param('bias', Tensor.zeros([dim])) : null;
  }

  /** Normalises axis 1 of (N, C, …). */
  forward(x: Tensor): Tensor {
    return F.layerNormChannels(x, this.weight, this.bias, this.eps);
  }
}

/**
 * The authors' channel LayerNorm of NCHW feature maps: parameters live under `body`
 * (`norm1.body.weight`); 'BiasFree' divides by the std without subtracting the mean.
 */
export class ChannelLayerNorm extends Module {
  readonly body: LayerNorm;

  constructor(dim: number, type: LayerNormType = 'WithBias') {
    super();
    this.body = this.child('body', new LayerNorm(dim, type === 'WithBias'));
  }

  forward(x: Tensor): Tensor {
    return this.body.forward(x);
  }
}
