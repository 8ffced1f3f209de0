import { kernels } from '../../backend/index.js';
import { stridesOf, type Shape } from '../shape.js';

/**
 * Visits every row (last axis) of `shape`, giving each operand's offset of the row's first
 * element. `strides[j]` are operand j's element strides per axis (0 for a broadcast axis).
 * One callback per row keeps the inner loops monomorphic and tight.
 */
export function forEachRow(
  shape: Shape,
  strides: readonly (readonly number[])[],
  row: (offsets: number[], len: number) => void,
): void {
  const rank = shape.length;
  const ops = strides.length;
  const offsets = new Array<number>(ops).fill(0);
  if (rank === 0) {
    row(offsets, 1);
    return;
  }
  const len = shape[rank - 1];
  let rows = 1;
  for (let i = 0; i < rank - 1; i++) rows *= shape[i];
  if (len === 0 || rows === 0) return;
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  for (let r = 0; r < rows; r++) {
    row(offsets, len);
    // odometer over the leading axes
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let j = 0; j < ops; j++) offsets[j] += strides[j][ax];
      if (idx[ax] < shape[ax]) break;
      for (let j = 0; j < ops; j++) offsets[j] -= strides[j][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

/** Strides of `inShape` aligned to `outShape` (right-aligned), 0 where the input broadcasts. */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const r = outShape.length;
  const st = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const o = r - inShape.length + i;
    st[o] = inShape[i] === 1 && outShape[o] !== 1 ? 0 : acc;
    acc *= inShape[i];
  }
  return st;
}

/**
 * Merges neighbouring axes that are laid out contiguously for every operand (stride[i] ==
 * stride[i+1]·shape[i+1], broadcast axes included), and drops size-1 axes, so row loops get
 * long rows. Returns the merged shape and each operand's merged strides.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): [number[], number[][]] {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (s === 1 && shape.length > 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((st, j) => outStrides[j][last] === st[i] * s)) {
      outShape[last] *= s;
      strides.forEach((st, j) => (outStrides[j][last] = st[i]));
    } else {
      outShape.push(s);
      strides.forEach((st, j) => outStrides[j].push(st[i]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    strides.forEach((_, j) => outStrides[j].push(1));
  }
  return [outShape, outStrides];
}

/** Σ a[start … start+len): four independent partial sums (one chain of dependent additions runs at a quarter of the speed). */
export function sumRange(a: Float32Array, start: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = start;
  const end = start + len;
  for (; i + 4 <= end; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  for (; i < end; i++) s0 += a[i];
  return s0 + s1 + (s2 + s3);
}

/** Sums a gradient of `outShape` down to the broadcast input's `inShape`. */
export function sumToShape(g: Float32Array, outShape: Shape, inShape: Shape): Float32Array {
  let same = outShape.length === inShape.length;
  if (same) for (let i = 0; i < inShape.length; i++) if (inShape[i] !== outShape[i]) same = false;
  if (same) return g;
  let n = 1;
  for (const s of inShape) n *= s;
  const out = new Float32Array(n);
  const [shape, [outStrides, inStrides]] = coalesce(outShape, [contiguousStrides(outShape), broadcastStrides(inShape, outShape)]);
  forEachRow(shape, [outStrides, inStrides], (off, len) => {
    const go = off[0];
    const io = off[1];
    const s = inStrides[inStrides.length - 1] ?? 0;
    if (s === 0) {
      out[io] += sumRange(g, go, len);
    } else {
      for (let i = 0; i < len; i++) out[io + i] += g[go + i];
    }
  });
  return out;
}

/** Copies `src` viewed with `srcStrides` (from `offset`) over `shape` into a new dense array: one kernel call. */
export function gather(src: Float32Array, shape: Shape, srcStrides: readonly number[], offset = 0): Float32Array {
  const [cs, [, ss]] = coalesce(shape, [contiguousStrides(shape), srcStrides]);
  return kernels().gather(src, cs, ss, offset);
}

/** Row-major strides of a dense array of `shape`. */
export const contiguousStrides = stridesOf;
