/**
 * Strided reference kernels: binary arithmetic over two strided views (broadcasting is a zero
 * stride) and the dense copy of a strided view. native/strided_impl.inc mirrors them.
 */
import type { BinaryOp } from '../kernels.js';

/** Visits every row (last axis) of `shape`, with the offset of its first element in each view. */
function forEachRow(shape: readonly number[], strides: readonly (readonly number[])[], offsets: number[], row: (len: number) => void): void {
  const rank = shape.length;
  if (rank === 0) {
    row(1);
    return;
  }
  const len = shape[rank - 1];
  let rows = 1;
  for (let i = 0; i < rank - 1; i++) rows *= shape[i];
  if (len === 0 || rows === 0) return;
  const idx = new Array<number>(rank).fill(0);
  for (let r = 0; r < rows; r++) {
    row(len);
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let j = 0; j < strides.length; j++) offsets[j] += strides[j][ax];
      if (idx[ax] < shape[ax]) break;
      for (let j = 0; j < strides.length; j++) offsets[j] -= strides[j][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

const OPS: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

export function binary(op: BinaryOp, a: Float32Array, aStrides: readonly number[], b: Float32Array, bStrides: readonly number[], shape: readonly number[]): Float32Array {
  let n = 1;
  for (const s of shape) n *= s;
  const out = new Float32Array(n);
  const f = OPS[op];
  const rank = shape.length;
  const ia = rank ? aStrides[rank - 1] : 0;
  const ib = rank ? bStrides[rank - 1] : 0;
  const off = [0, 0];
  let o = 0;
  forEachRow(shape, [aStrides, bStrides], off, (len) => {
    const oa = off[0];
    const ob = off[1];
    for (let i = 0; i < len; i++) out[o + i] = f(a[oa + i * ia], b[ob + i * ib]);
    o += len;
  });
  return out;
}

export function gather(src: Float32Array, shape: readonly number[], strides: readonly number[], offset: number): Float32Array {
  let n = 1;
  for (const s of shape) n *= s;
  const out = new Float32Array(n);
  const rank = shape.length;
  const inner = rank ? strides[rank - 1] : 1;
  const off = [offset];
  let o = 0;
  forEachRow(shape, [strides], off, (len) => {
    const s = off[0];
    if (inner === 1) out.set(src.subarray(s, s + len), o);
    else for (let i = 0; i < len; i++) out[o + i] = src[s + i * inner];
    o += len;
  });
  return out;
}
