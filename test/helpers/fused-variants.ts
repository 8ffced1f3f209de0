/**
 * Fused ops the model does not use, kept for the tests: variants of the model's fused ops
 * (src/tensor/ops/fused.ts) that exercise the gate and scan kernels in other layouts.
 */
import { result, type Tensor } from '../../src/tensor/tensor.js';
import { TensorError } from '../../src/tensor/errors.js';
import { sameShape } from '../../src/tensor/shape.js';
import { kernels } from '../../src/backend/index.js';
import type { GateArgs, UnaryOp } from '../../src/backend/kernels.js';
import { planConv2d, type Conv2dOptions } from '../../src/tensor/ops/conv.js';
import { checkOp, halvesGate } from '../../src/tensor/ops/fused.js';
import { checkScan, scanInputs } from '../../src/tensor/ops/scan.js';

/** act(a)·b elementwise for tensors of the same shape (e.g. SS2D's LayerNorm(y)·SiLU(z) is gatedActivation('silu', z, y)). */
export function gatedActivation(op: UnaryOp, a: Tensor, b: Tensor): Tensor {
  checkOp('gatedActivation', op);
  if (!sameShape(a.shape, b.shape)) throw new TensorError('gatedActivation', 'a and b must have the same shape', [a.shape, b.shape]);
  const args: GateArgs = { rows: 1, len: a.size, strideA: a.size, strideB: a.size };
  const kern = kernels();
  const out = kern.gate(op, a.data, b.data, args);
  return result('gatedActivation', out, a.shape, [a, b], (g) => {
    const { da, db } = kern.gateBackward(op, a.data, b.data, g, args);
    return [a.requiresGrad ? da : null, b.requiresGrad ? db : null];
  });
}

/**
 * x (N, 2C, …) → act(x[:, :C]) · x[:, C:] (N, C, …): chunk(x, 2, 1), the activation of the
 * first half and the product in one pass (the FFN's GELU gate).
 */
export function splitGate(op: UnaryOp, x: Tensor): Tensor {
  checkOp('splitGate', op);
  if (x.ndim < 2 || x.shape[1] % 2) throw new TensorError('splitGate', 'needs (N, 2C, …) with an even channel count', [x.shape]);
  const hg = halvesGate(op, x.data, x.shape);
  return result('splitGate', hg.out, hg.shape, [x], (g) => [hg.backward(x.data, g)]);
}

/**
 * splitGate(op, conv2d(x, weight, bias)): the convolution's output (N, 2C, …) is chunked,
 * act(first half)·second half, without keeping the convolution's output (recomputed in the
 * backward). The FFN's dwconv + GELU gate.
 */
export function conv2dSplitGate(op: UnaryOp, x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  checkOp('conv2dSplitGate', op);
  const c = planConv2d('conv2dSplitGate', x.shape, weight, bias, opts);
  if (c.shape[1] % 2) throw new TensorError('conv2dSplitGate', 'the convolution needs an even number of output channels', [weight.shape]);
  const hg = halvesGate(op, c.forward(x.data), c.shape);
  return result('conv2dSplitGate', hg.out, hg.shape, [x, ...c.params], (g) => c.backward(hg.backward(c.forward(x.data), g), x.data, x.requiresGrad));
}

/**
 * SS2D's scan and direction merge as one op: selectiveScan over the K = 4 directions of
 * ss2dGather, then ss2dMerge back to (b, d, h, w), without keeping the (b, 4d, L) scan output
 * (the backward gathers the incoming gradient instead). Equals ss2dMerge(selectiveScan(…), h, w).
 */
export function selectiveScanMerged(
  u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, deltaBias: Tensor, h: number, w: number,
): Tensor {
  const args = checkScan('selectiveScanMerged', u, delta, A, B, C, D, deltaBias);
  if (args.groups !== 4 || args.L !== h * w) {
    throw new TensorError('selectiveScanMerged', `needs the 4 directions of an ${h}×${w} map (groups 4, L = ${h * w})`, [u.shape, B.shape]);
  }
  const inputs = scanInputs(u, delta, A, B, C, D, deltaBias);
  const plane = { b: args.b, c: args.d, h, w };
  const kern = kernels();
  const scanned = kern.scan(inputs, args);
  const states = scanned.states;
  const y = kern.ss2dMerge(scanned.y, plane);
  return result('selectiveScanMerged', y, [args.b, args.d, h, w], [u, delta, A, B, C, D, deltaBias], (g) => {
    const r = kern.scanBackward(inputs, states, kern.ss2dGather(g, plane), args);
    return [r.du, r.ddelta, r.dA, r.dB, r.dC, r.dD, r.dDeltaBias];
  });
}
