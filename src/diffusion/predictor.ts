import type { DFT } from '../model/dft.js';
import { Tensor } from '../tensor/tensor.js';
import * as F from '../tensor/ops/index.js';
import type { NoisePredictor } from './ddim.js';
import type { NoiseSchedule } from './schedule.js';

const f32 = Math.fround;

/**
 * The model as the sampler and the losses call it: ε̂ = net(cat[lq, x_t], t). With the model's
 * `predict_residual` its output r is the clean image's residual over the degraded one, so
 * x̂0 = lq + r and ε̂ = (x_t − √ᾱ_t · x̂0) / √(1 − ᾱ_t), per batch item's t; the DDIM update then
 * recovers that x̂0, and the last step returns it.
 */
export function noisePredictor(model: DFT, schedule: NoiseSchedule): NoisePredictor {
  if (!model.config.predict_residual) return (input, t) => model.forward(input, t);
  const c = model.config.out_channels;
  return (input, t) => {
    const r = model.forward(input, t);
    const n = input.shape[0];
    const lq = F.slice(input, 1, 0, c);
    const xt = F.slice(input, 1, c, 2 * c);
    const sqrtA = new Float32Array(n);
    const invSqrt1mA = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = schedule.alpha(t[i]);
      sqrtA[i] = f32(Math.sqrt(a));
      invSqrt1mA[i] = f32(1 / Math.sqrt(f32(1 - a)));
    }
    const x0 = F.add(lq, r);
    const num = F.sub(xt, F.mul(x0, new Tensor(sqrtA, [n, 1, 1, 1])));
    return F.mul(num, new Tensor(invSqrt1mA, [n, 1, 1, 1]));
  };
}
