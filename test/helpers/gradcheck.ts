import assert from 'node:assert/strict';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';

export function randn(shape: number[], rng: Rng, scale = 1, requiresGrad = true): Tensor {
  const t = Tensor.zeros(shape, requiresGrad);
  rng.fillNormal(t.data, scale);
  return t;
}

/**
 * Compares autograd gradients of sum(f(inputs)·w) (w a fixed random weighting) with central
 * finite differences. float32 forward passes limit the accuracy, so the step is large-ish and
 * the comparison is relative to the gradient's scale.
 */
export function gradcheck(
  label: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: { eps?: number; tol?: number; seed?: number; maxChecks?: number } = {},
): void {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const rng = new Rng(opts.seed ?? 7);
  const probe = noGrad(() => f(...inputs));
  const w = new Float32Array(probe.size);
  rng.fillNormal(w);
  const objective = (): number => {
    const y = noGrad(() => f(...inputs));
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * w[i];
    return s;
  };
  for (const x of inputs) x.grad = null;
  const y = f(...inputs);
  y.backward({ grad: w });
  inputs.forEach((x, xi) => {
    if (!x.requiresGrad) return;
    const g = x.grad;
    assert.ok(g, `${label}: input ${xi} got no gradient`);
    let scale = 1e-3;
    for (const v of g) scale = Math.max(scale, Math.abs(v));
    const idx = [...Array(x.size).keys()];
    const max = opts.maxChecks ?? 40;
    const picks = idx.length <= max ? idx : rng.shuffle(idx).slice(0, max);
    for (const i of picks) {
      const old = x.data[i];
      x.data[i] = old + eps;
      const up = objective();
      x.data[i] = old - eps;
      const down = objective();
      x.data[i] = old;
      const num = (up - down) / (2 * eps);
      const err = Math.abs(num - g[i]);
      assert.ok(err <= tol * scale + tol * Math.abs(num), `${label}: input ${xi}[${i}] autograd ${g[i]} vs numeric ${num} (scale ${scale})`);
    }
  });
}
