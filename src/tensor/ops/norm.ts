import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { kernels } from '../../backend/index.js';

/**
 * LayerNorm over axis 1 (channels) of an (N, C, …) tensor, per position: biased variance,
 * `eps` inside the square root. `bias === null` is the authors' 'BiasFree' variant, which
 * divides by the standard deviation without subtracting the mean.
 */
export function layerNormChannels(x: Tensor, weight: Tensor, bias: Tensor | null, eps = 1e-5): Tensor {
  if (x.ndim < 2) throw new TensorError('layerNorm', 'needs (N, C, …)', [x.shape]);
  const [n, c] = x.shape;
  if (weight.size !== c || (bias && bias.size !== c)) {
    throw new TensorError('layerNorm', `weight and bias must have ${c} elements`, [x.shape, weight.shape, ...(bias ? [bias.shape] : [])]);
  }
  const hw = x.size / (n * c || 1);
  const args = { n, c, hw, eps, subtractMean: bias !== null };
  const kern = kernels();
  const { y, mean, rstd } = kern.channelNorm(x.data, weight.data, bias ? bias.data : null, args);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return result('layerNorm', y, x.shape, inputs, (g) => {
    const { dx, dweight, dbias } = kern.channelNormBackward(g, x.data, weight.data, mean, rstd, args);
    return bias ? [dx, dweight, dbias] : [dx, dweight];
  });
}
