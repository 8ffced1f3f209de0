// The `network_g` section: the DFT's hyper-parameters, defaulting to the model's own
// (DEFAULT_DFT_CONFIG, the one place they are written) and checked by the model's config.
import { DEFAULT_DFT_CONFIG, resolveDFTConfig } from '../../model/config.js';
import type { Obj, Reader } from './reader.js';
import type { NetworkOptions } from './types.js';

export function readNetwork(r: Reader, root: Obj): NetworkOptions {
  const ng = r.obj(root, 'network_g', 'network_g');
  const network: NetworkOptions = {
    type: r.oneOf(ng, 'type', 'network_g.type', 'DFT', ['DFT'] as const),
    inpChannels: r.num(ng, 'inp_channels', 'network_g.inp_channels', DEFAULT_DFT_CONFIG.inp_channels, { int: true, min: 1 }),
    outChannels: r.num(ng, 'out_channels', 'network_g.out_channels', DEFAULT_DFT_CONFIG.out_channels, { int: true, min: 1 }),
    dim: r.num(ng, 'dim', 'network_g.dim', DEFAULT_DFT_CONFIG.dim, { int: true, min: 1 }),
    numBlocks: r.nums(ng, 'num_blocks', 'network_g.num_blocks', [...DEFAULT_DFT_CONFIG.num_blocks], { int: true, min: 1, length: 4 }),
    ffnExpansionFactor: r.num(ng, 'ffn_expansion_factor', 'network_g.ffn_expansion_factor', DEFAULT_DFT_CONFIG.ffn_expansion_factor, { gt: 0 }),
    bias: r.bool(ng, 'bias', 'network_g.bias', DEFAULT_DFT_CONFIG.bias),
    layerNormType: r.oneOf(ng, 'LayerNorm_type', 'network_g.LayerNorm_type', DEFAULT_DFT_CONFIG.LayerNorm_type, ['WithBias', 'BiasFree'] as const),
    dualPixelTask: r.bool(ng, 'dual_pixel_task', 'network_g.dual_pixel_task', DEFAULT_DFT_CONFIG.dual_pixel_task),
    dState: r.num(ng, 'd_state', 'network_g.d_state', DEFAULT_DFT_CONFIG.d_state, { int: true, min: 1 }),
    residualFromInput: r.bool(ng, 'residual_from_input', 'network_g.residual_from_input', DEFAULT_DFT_CONFIG.residual_from_input),
    predictResidual: r.bool(ng, 'predict_residual', 'network_g.predict_residual', DEFAULT_DFT_CONFIG.predict_residual),
  };
  if (network.dim % 2 !== 0) r.err('network_g.dim', `must be even (down-sampling halves the channels), got ${network.dim}`);
  // the data sets give RGB images (grey files are read as three equal channels)
  if (network.outChannels !== 3) r.err('network_g.out_channels', `must be 3: the training and validation images are RGB, got ${network.outChannels}`);
  if (network.inpChannels !== 6 && !network.dualPixelTask) r.err('network_g.inp_channels', `must be 6: Diff-Mamba feeds cat[lq, x_t] of two RGB images, got ${network.inpChannels}`);
  try {
    resolveDFTConfig({
      inp_channels: network.inpChannels,
      out_channels: network.outChannels,
      dim: network.dim,
      num_blocks: network.numBlocks,
      ffn_expansion_factor: network.ffnExpansionFactor,
      LayerNorm_type: network.layerNormType,
      bias: network.bias,
      dual_pixel_task: network.dualPixelTask,
      d_state: network.dState,
      residual_from_input: network.residualFromInput,
      predict_residual: network.predictResidual,
    });
  } catch (e) {
    // the model's own bounds (sizes, parameter count), under this file's key names
    r.err('', (e as Error).message);
  }
  r.ignore(ng, 'heads', 'network_g.heads', 'accepted and unused (as in the authors\' DFT)');
  r.ignore(ng, 'ffn_factor', 'network_g.ffn_factor', 'accepted and unused (as in the authors\' DFT)');
  return network;
}
