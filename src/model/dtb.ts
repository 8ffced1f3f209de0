import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import * as F from '../tensor/ops/index.js';
import { ChannelLayerNorm, Module, type LayerNormType } from '../nn/index.js';
import { SS2D } from './ss2d.js';
import { FeedForward } from './ffn.js';
import { timestepEmbedding } from './timestep.js';

/** SiLU of the sinusoidal embedding of t for `channels`, shaped (N, C, 1, 1) to add to feature maps. */
export function timeFeatures(t: Float32Array, channels: number): Tensor {
  return F.reshape(F.silu(timestepEmbedding(t, channels)), [t.length, channels, 1, 1]);
}

/**
 * Diffusion Transformer Block: DSSM (LayerNorm → SS2D with the time features) and DFNN.
 * As in the official code, the residual stream is the NORMALISED input by default;
 * `residualFromInput` makes it the block input (x + SS2D(norm1(x) + t), as Restormer).
 */
export class DTB extends Module {
  readonly norm1: ChannelLayerNorm;
  readonly selfAttention: SS2D;
  readonly norm2: ChannelLayerNorm;
  readonly ffn: FeedForward;

  constructor(dim: number, layerNormType: LayerNormType = 'WithBias', dState = 32, ffnFactor = 2.66, rng = new Rng(0),
    readonly residualFromInput = false) {
    super();
    this.norm1 = this.child('norm1', new ChannelLayerNorm(dim, layerNormType));
    this.selfAttention = this.child('self_attention', new SS2D(dim, dState, rng));
    this.norm2 = this.child('norm2', new ChannelLayerNorm(dim, layerNormType));
    this.ffn = this.child('ffn', new FeedForward(dim, ffnFactor, true, rng));
  }

  /** x (N, C, H, W); temb (N, C, 1, 1) from timeFeatures. */
  forward(x: Tensor, temb: Tensor): Tensor {
    const normed = this.norm1.forward(x);
    const h = F.add(this.residualFromInput ? x : normed, this.selfAttention.forward(F.add(normed, temb)));
    return F.add(h, this.ffn.forward(this.norm2.forward(F.add(h, temb))));
  }
}
