import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { kernels } from '../../backend/index.js';
import type { BinaryOp, UnaryOp } from '../../backend/kernels.js';
import { broadcastStrides, coalesce, sumToShape } from './strided.js';

type Operand = Tensor | number;

function asTensor(x: Operand): Tensor {
  return typeof x === 'number' ? Tensor.scalar(x) : x;
}

function checkFloat(op: string, x: unknown): void {
  if (!(x instanceof Tensor) && typeof x !== 'number') {
    throw new TensorError(op, `expected a Tensor or number, got ${x === null ? 'null' : typeof x}`);
  }
}

/** Applies a binary op with NumPy broadcasting, as one strided kernel call over the coalesced axes. */
function broadcastBinary(op: BinaryOp, a: Tensor, b: Tensor): { data: Float32Array; shape: number[] } {
  const kern = kernels();
  if (sameShape(a.shape, b.shape)) {
    return { data: kern.binary(op, a.data, [1], b.data, [1], [a.size]), shape: [...a.shape] };
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  // merge axes that are contiguous for every operand: (N,C,H,W) + (N,C,1,1) walks rows of H·W
  const [cs, [sa, sb]] = coalesce(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  return { data: kern.binary(op, a.data, sa, b.data, sb, cs), shape };
}

export function add(x: Operand, y: Operand): Tensor {
  checkFloat('add', x);
  checkFloat('add', y);
  const a = asTensor(x);
  const b = asTensor(y);
  const { data, shape } = broadcastBinary('add', a, b);
  return result('add', data, shape, [a, b], (g) => [
    a.requiresGrad ? sumToShape(g, shape, a.shape) : null,
    b.requiresGrad ? sumToShape(g, shape, b.shape) : null,
  ]);
}

export function sub(x: Operand, y: Operand): Tensor {
  checkFloat('sub', x);
  checkFloat('sub', y);
  const a = asTensor(x);
  const b = asTensor(y);
  const { data, shape } = broadcastBinary('sub', a, b);
  return result('sub', data, shape, [a, b], (g) => [
    a.requiresGrad ? sumToShape(g, shape, a.shape) : null,
    b.requiresGrad ? negate(sumToShape(g, shape, b.shape)) : null,
  ]);
}

export function mul(x: Operand, y: Operand): Tensor {
  checkFloat('mul', x);
  checkFloat('mul', y);
  const a = asTensor(x);
  const b = asTensor(y);
  const { data, shape } = broadcastBinary('mul', a, b);
  return result('mul', data, shape, [a, b], (g) => [
    a.requiresGrad ? sumToShape(broadcastBinary('mul', new Tensor(g, shape), b).data, shape, a.shape) : null,
    b.requiresGrad ? sumToShape(broadcastBinary('mul', new Tensor(g, shape), a).data, shape, b.shape) : null,
  ]);
}

export function div(x: Operand, y: Operand): Tensor {
  checkFloat('div', x);
  checkFloat('div', y);
  const a = asTensor(x);
  const b = asTensor(y);
  const { data, shape } = broadcastBinary('div', a, b);
  return result('div', data, shape, [a, b], (g) => {
    const gt = new Tensor(g, shape);
    const ga = a.requiresGrad ? sumToShape(broadcastBinary('div', gt, b).data, shape, a.shape) : null;
    let gb: Float32Array | null = null;
    if (b.requiresGrad) {
      // d(a/b)/db = -out / b
      const t = broadcastBinary('div', new Tensor(mulArrays(g, data), shape), b).data;
      gb = negate(sumToShape(t, shape, b.shape));
    }
    return [ga, gb];
  });
}

function mulArrays(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i] * b[i];
  return o;
}

function negate(a: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = -a[i];
  return o;
}

/**
 * Defines a unary op from its forward map and the local derivative dy/dx (given x and y).
 * Keeps each op's forward and backward side by side.
 */
function unary(op: string, f: (x: number) => number, df: (x: number, y: number) => number) {
  return (x: Tensor): Tensor => {
    if (!(x instanceof Tensor)) throw new TensorError(op, `expected a Tensor, got ${typeof x}`);
    const src = x.data;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
    return result(op, out, x.shape, [x], (g) => {
      const gx = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) gx[i] = g[i] * df(src[i], out[i]);
      return [gx];
    });
  };
}


/**
 * An activation with an elementwise kernel (native when available; the js kernel is the
 * reference): forward y = act(x), backward gy·act'(x) from the kept x and y.
 */
function activation(op: UnaryOp) {
  return (x: Tensor): Tensor => {
    if (!(x instanceof Tensor)) throw new TensorError(op, `expected a Tensor, got ${typeof x}`);
    const kern = kernels();
    const out = kern.unary(op, x.data);
    return result(op, out, x.shape, [x], (g) => [kern.unaryBackward(op, x.data, out, g)]);
  };
}

export const neg = unary('neg', (x) => -x, () => -1);
export const exp = activation('exp');
export const log = unary('log', Math.log, (x) => 1 / x);
export const sqrt = unary('sqrt', Math.sqrt, (_x, y) => 0.5 / y);
export const abs = unary('abs', Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0));
export const sin = unary('sin', Math.sin, (x) => Math.cos(x));
export const cos = unary('cos', Math.cos, (x) => -Math.sin(x));
export const sigmoid = activation('sigmoid');
/** PyTorch's softplus, linear above the threshold 20. */
export const softplus = activation('softplus');
export const silu = activation('silu');
/** Exact (erf) GELU, as torch.nn.functional.gelu's default. */
export const gelu = activation('gelu');

export function pow(x: Tensor, p: number): Tensor {
  return unary('pow', (v) => Math.pow(v, p), (v) => (p === 0 ? 0 : p * Math.pow(v, p - 1)))(x);
}

/** Clamps into [min, max]; the gradient passes where the input is inside (PyTorch: at the bounds too). */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  return unary('clamp', (v) => (v < min ? min : v > max ? max : v), (v) => (v >= min && v <= max ? 1 : 0))(x);
}

export function addScalar(x: Tensor, s: number): Tensor {
  return unary('addScalar', (v) => v + s, () => 1)(x);
}

export function mulScalar(x: Tensor, s: number): Tensor {
  return unary('mulScalar', (v) => v * s, () => s)(x);
}
