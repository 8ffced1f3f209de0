import type { DFTConfig } from '../model/config.js';
import type { NetworkOptions } from './options.js';

/** The option file's `network_g` as the model's config. */
export function networkConfig(n: NetworkOptions): DFTConfig {
  return {
    inp_channels: n.inpChannels,
    out_channels: n.outChannels,
    dim: n.dim,
    num_blocks: n.numBlocks as DFTConfig['num_blocks'],
    ffn_expansion_factor: n.ffnExpansionFactor,
    LayerNorm_type: n.layerNormType,
    bias: n.bias,
    dual_pixel_task: n.dualPixelTask,
    d_state: n.dState,
    residual_from_input: n.residualFromInput,
    predict_residual: n.predictResidual,
  };
}
