import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { broadcastStrides, contiguousStrides, forEachRow, sumToShape } from './strided.js';

type Operand = Tensor | number;

function asTensor(x: Operand): Tensor {
  return typeof x === 'number' ? Tensor.scalar(x) : x;
}

function checkFloat(op: string, x: unknown): void {
  if (!(x instanceof Tensor) && typeof x !== 'number') {
    throw new TensorError(op, `expected a Tensor or number, got ${x === null ? 'null' : typeof x}`);
  }
}

type RowFn = (a: Float32Array, ao: number, as: number, b: Float32Array, bo: number, bs: number, out: Float32Array, oo: number, len: number) => void;

/** Applies a binary op with NumPy broadcasting; `row` is the tight loop over one output row. */
function broadcastBinary(op: string, a: Tensor, b: Tensor, row: RowFn): { data: Float32Array; shape: number[] } {
  if (sameShape(a.shape, b.shape)) {
    const out = new Float32Array(a.size);
    row(a.data, 0, 1, b.data, 0, 1, out, 0, a.size);
    return { data: out, shape: [...a.shape] };
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = new Float32Array(shape.reduce((x, y) => x * y, 1));
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const so = contiguousStrides(shape);
  const ia = sa[sa.length - 1] ?? 0;
  const ib = sb[sb.length - 1] ?? 0;
  forEachRow(shape, [sa, sb, so], (off, len) => row(a.data, off[0], ia, b.data, off[1], ib, out, off[2], len));
  return { data: out, shape };
}

const addRow: RowFn = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] + b[bo + i * bs];
};
const subRow: RowFn = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] - b[bo + i * bs];
};
const mulRow: RowFn = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] * b[bo + i * bs];
};
const divRow: RowFn = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] / b[bo + i * bs];
};

export function add(x: Operand, y: Operand): Tensor {
  checkFloat('add', x);
  checkFloat('add', y);
  const a = asTensor(x);
  const b = asTensor(y);
  const { data, shape } = broadcastBinary('add', a, b, addRow);
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
  const { data, shape } = broadcastBinary('sub', a, b, subRow);
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
  const { data, shape } = broadcastBinary('mul', a, b, mulRow);
  return result('mul', data, shape, [a, b], (g) => [
    a.requiresGrad ? sumToShape(broadcastBinary('mul', new Tensor(g, shape), b, mulRow).data, shape, a.shape) : null,
    b.requiresGrad ? sumToShape(broadcastBinary('mul', new Tensor(g, shape), a, mulRow).data, shape, b.shape) : null,
  ]);
}

export function div(x: Operand, y: Operand): Tensor {
  checkFloat('div', x);
  checkFloat('div', y);
  const a = asTensor(x);
  const b = asTensor(y);
  const { data, shape } = broadcastBinary('div', a, b, divRow);
  return result('div', data, shape, [a, b], (g) => {
    const gt = new Tensor(g, shape);
    const ga = a.requiresGrad ? sumToShape(broadcastBinary('div', gt, b, divRow).data, shape, a.shape) : null;
    let gb: Float32Array | null = null;
    if (b.requiresGrad) {
      // d(a/b)/db = -out / b
      const t = broadcastBinary('div', new Tensor(mulArrays(g, data), shape), b, divRow).data;
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

/** PyTorch's softplus: log(1 + e^x), linear above the threshold 20. */
export function softplusScalar(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export function sigmoidScalar(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** erf with |error| < 1.2e-7 (Numerical Recipes' Chebyshev fit of erfc). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const neg = unary('neg', (x) => -x, () => -1);
export const exp = unary('exp', Math.exp, (_x, y) => y);
export const log = unary('log', Math.log, (x) => 1 / x);
export const sqrt = unary('sqrt', Math.sqrt, (_x, y) => 0.5 / y);
export const abs = unary('abs', Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0));
export const sin = unary('sin', Math.sin, (x) => Math.cos(x));
export const cos = unary('cos', Math.cos, (x) => -Math.sin(x));
export const sigmoid = unary('sigmoid', sigmoidScalar, (_x, y) => y * (1 - y));
export const softplus = unary('softplus', softplusScalar, (x) => (x > 20 ? 1 : sigmoidScalar(x)));
export const silu = unary('silu', (x) => x * sigmoidScalar(x), (x) => {
  const s = sigmoidScalar(x);
  return s * (1 + x * (1 - s));
});
/** Exact (erf) GELU, as torch.nn.functional.gelu's default. */
export const gelu = unary('gelu', (x) => 0.5 * x * (1 + erf(x * INV_SQRT2)), (x) => 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));

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
