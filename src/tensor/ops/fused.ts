/**
 * Fused ops for the model's hot paths: activation gates and SS2D's direction handling. Each is
 * one kernel call forward and one backward (see the Kernels interface); the unfused ops they
 * replace remain the reference in the tests.
 */
import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { sameShape } from '../shape.js';
import { kernels } from '../../backend/index.js';
import { UNARY_OPS, type GateArgs, type Ss2dArgs, type UnaryOp } from '../../backend/kernels.js';

function checkOp(name: string, op: UnaryOp): void {
  if (!UNARY_OPS.includes(op)) throw new TensorError(name, `unknown activation '${op}' (one of ${UNARY_OPS.join(', ')})`);
}

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
  const n = x.shape[0];
  const len = x.size / (n || 1) / 2;
  const args: GateArgs = { rows: n, len, strideA: 2 * len, strideB: 2 * len };
  const kern = kernels();
  const out = n ? kern.gate(op, x.data, x.data.subarray(len), args) : new Float32Array(0);
  const shape = x.shape.map((s, i) => (i === 1 ? s / 2 : s));
  return result('splitGate', out, shape, [x], (g) => [
    n ? kern.gateBackwardPacked(op, x.data, x.data.subarray(len), g, args) : new Float32Array(0),
  ]);
}

function ss2dArgs(op: string, shape: readonly number[], c: number, h: number, w: number): Ss2dArgs {
  if (![c, h, w].every((v) => Number.isInteger(v) && v >= 0)) throw new TensorError(op, 'bad sizes', [shape]);
  return { b: shape[0], c, h, w };
}

/**
 * SS2D's four scan orders: x (b, c, h, w) → (b, 4c, h·w) holding [row-major, column-major,
 * reversed row-major, reversed column-major] (direction k in channels k·c … k·c+c−1).
 * Equals concat([row, col, flip(row), flip(col)], 1); the backward is ss2dMerge.
 */
export function ss2dGather(x: Tensor): Tensor {
  if (x.ndim !== 4) throw new TensorError('ss2dGather', 'expects (b, c, h, w)', [x.shape]);
  const [b, c, h, w] = x.shape;
  const args = ss2dArgs('ss2dGather', x.shape, c, h, w);
  const kern = kernels();
  return result('ss2dGather', kern.ss2dGather(x.data, args), [b, 4 * c, h * w], [x], (g) => [kern.ss2dMerge(g, args)]);
}

/**
 * The adjoint of ss2dGather: ys (b, 4c, h·w) → (b, c, h, w), each direction mapped back to
 * row-major order and the four summed (y0 + rev y2 + untranspose(y1) + untranspose(rev y3)).
 */
export function ss2dMerge(ys: Tensor, h: number, w: number): Tensor {
  if (ys.ndim !== 3 || ys.shape[1] % 4 || ys.shape[2] !== h * w) {
    throw new TensorError('ss2dMerge', `expects (b, 4c, ${h}·${w})`, [ys.shape]);
  }
  const [b, c4] = ys.shape;
  const args = ss2dArgs('ss2dMerge', ys.shape, c4 / 4, h, w);
  const kern = kernels();
  return result('ss2dMerge', kern.ss2dMerge(ys.data, args), [b, c4 / 4, h, w], [ys], (g) => [kern.ss2dGather(g, args)]);
}
