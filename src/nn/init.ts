import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';

/** U(−bound, bound) with bound = 1/√fan_in: PyTorch's default for Linear / Conv weights and biases. */
export function uniformFanIn(shape: readonly number[], fanIn: number, rng: Rng): Tensor {
  const t = Tensor.zeros(shape);
  const bound = 1 / Math.sqrt(fanIn);
  rng.fillUniform(t.data, -bound, bound);
  return t;
}
