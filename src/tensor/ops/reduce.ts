import { Tensor, result } from '../tensor.js';
import { normAxis, numel } from '../shape.js';
import { broadcastStrides, contiguousStrides, forEachRow, sumRange } from './strided.js';

function reducedShape(op: string, x: Tensor, axes: readonly number[] | undefined, keepdim: boolean) {
  const rank = x.ndim;
  const set = new Set((axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(op, a, rank, x.shape)));
  const kept = x.shape.map((s, i) => (set.has(i) ? 1 : s));
  const out = keepdim ? kept : x.shape.filter((_, i) => !set.has(i));
  return { kept, out, count: x.shape.reduce((acc, s, i) => (set.has(i) ? acc * s : acc), 1) };
}

function sumInto(x: Tensor, kept: readonly number[]): Float32Array {
  const out = new Float32Array(numel(kept));
  const sx = contiguousStrides(x.shape);
  const so = broadcastStrides(kept, x.shape);
  const inner = so[so.length - 1] ?? 0;
  const src = x.data;
  forEachRow(x.shape, [sx, so], (off, len) => {
    const xo = off[0];
    const oo = off[1];
    if (inner === 0) {
      out[oo] += sumRange(src, xo, len);
    } else {
      for (let i = 0; i < len; i++) out[oo + i] += src[xo + i];
    }
  });
  return out;
}

/** Spreads a reduced gradient back over the input shape, times `scale`. */
function expandGrad(g: Float32Array, kept: readonly number[], shape: readonly number[], scale: number): Float32Array {
  const gx = new Float32Array(numel(shape));
  const sx = contiguousStrides(shape);
  const sg = broadcastStrides(kept, shape);
  const inner = sg[sg.length - 1] ?? 0;
  forEachRow(shape, [sx, sg], (off, len) => {
    const xo = off[0];
    const go = off[1];
    if (inner === 0) gx.fill(g[go] * scale, xo, xo + len);
    else for (let i = 0; i < len; i++) gx[xo + i] = g[go + i] * scale;
  });
  return gx;
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: readonly number[], keepdim = false): Tensor {
  const { kept, out } = reducedShape('sum', x, axes, keepdim);
  return result('sum', sumInto(x, kept), out, [x], (g) => [expandGrad(g, kept, x.shape, 1)]);
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: readonly number[], keepdim = false): Tensor {
  const { kept, out, count } = reducedShape('mean', x, axes, keepdim);
  const data = sumInto(x, kept);
  for (let i = 0; i < data.length; i++) data[i] /= count;
  return result('mean', data, out, [x], (g) => [expandGrad(g, kept, x.shape, 1 / count)]);
}
