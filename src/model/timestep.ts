import { Tensor } from '../tensor/tensor.js';

const f = Math.fround;

/**
 * Sinusoidal DDPM embedding (N,) → (N, dim): [sin(t·f) | cos(t·f)], f_i = exp(−i·ln(10000)/(half−1)),
 * one zero column when dim is odd. Evaluated in float32 steps, as the official code does.
 */
export function timestepEmbedding(t: Float32Array, dim: number): Tensor {
  const half = Math.floor(dim / 2);
  const step = f(-(Math.log(10000) / (half - 1)));
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp(f(i * step));
  const out = new Float32Array(t.length * dim);
  for (let b = 0; b < t.length; b++) {
    for (let i = 0; i < half; i++) {
      const ang = f(t[b] * freqs[i]);
      out[b * dim + i] = Math.sin(ang);
      out[b * dim + half + i] = Math.cos(ang);
    }
  }
  return new Tensor(out, [t.length, dim]);
}
