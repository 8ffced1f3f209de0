import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { normAxis, numel, type Shape } from '../shape.js';
import { contiguousStrides, forEachRow, gather } from './strided.js';

/** Same data, new shape (one dimension may be -1). Shares memory with the input. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const n = x.size;
  const free = shape.indexOf(-1);
  let target = [...shape];
  if (free >= 0) {
    const known = shape.reduce((a, s, i) => (i === free ? a : a * s), 1);
    if (known === 0 || n % known !== 0) throw new TensorError('reshape', `cannot infer -1 for ${n} elements`, [x.shape, shape]);
    target[free] = n / known;
  }
  if (target.some((s) => !Number.isInteger(s) || s < 0) || numel(target) !== n) {
    throw new TensorError('reshape', `cannot reshape ${n} elements`, [x.shape, shape]);
  }
  target = target.map(Number);
  return result('reshape', x.data, target, [x], (g) => [g]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const rank = x.ndim;
  if (dims.length !== rank) throw new TensorError('permute', `needs ${rank} dims, got [${dims.join(', ')}]`, [x.shape]);
  const p = dims.map((d) => normAxis('permute', d, rank, x.shape));
  if (new Set(p).size !== rank) throw new TensorError('permute', `dims [${dims.join(', ')}] repeat an axis`, [x.shape]);
  const inStrides = contiguousStrides(x.shape);
  const shape = p.map((d) => x.shape[d]);
  const data = gather(x.data, shape, p.map((d) => inStrides[d]));
  const inverse = new Array<number>(rank);
  p.forEach((d, i) => (inverse[d] = i));
  return result('permute', data, shape, [x], (g) => {
    const gs = contiguousStrides(shape);
    return [gather(g, x.shape, inverse.map((i) => gs[i]))];
  });
}

export function transpose(x: Tensor, a: number, b: number): Tensor {
  const rank = x.ndim;
  const p = x.shape.map((_, i) => i);
  const ia = normAxis('transpose', a, rank, x.shape);
  const ib = normAxis('transpose', b, rank, x.shape);
  [p[ia], p[ib]] = [p[ib], p[ia]];
  return permute(x, p);
}

function flipData(src: Float32Array, shape: Shape, axes: Set<number>): Float32Array {
  const st = contiguousStrides(shape);
  let base = 0;
  const strides = st.map((s, i) => {
    if (!axes.has(i)) return s;
    base += (shape[i] - 1) * s;
    return -s;
  });
  return gather(src, shape, strides, base);
}

export function flip(x: Tensor, axes: readonly number[]): Tensor {
  const set = new Set(axes.map((a) => normAxis('flip', a, x.ndim, x.shape)));
  return result('flip', flipData(x.data, x.shape, set), x.shape, [x], (g) => [flipData(g, x.shape, set)]);
}

/** The region [start, end) of `axis`: a view of x's memory when it is one contiguous block, else a copy. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis('slice', axis, x.ndim, x.shape);
  const dim = x.shape[ax];
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= dim)) {
    throw new TensorError('slice', `range [${start}, ${end}) is outside axis ${axis} of size ${dim}`, [x.shape]);
  }
  const outer = numel(x.shape.slice(0, ax));
  const inner = numel(x.shape.slice(ax + 1));
  const len = end - start;
  const shape = x.shape.map((s, i) => (i === ax ? len : s));
  let out: Float32Array;
  if (outer === 1) {
    // one contiguous block: a view sharing x's memory (ops never write their inputs in place)
    out = x.data.subarray(start * inner, end * inner);
  } else {
    out = new Float32Array(outer * len * inner);
    for (let o = 0; o < outer; o++) {
      out.set(x.data.subarray((o * dim + start) * inner, (o * dim + end) * inner), o * len * inner);
    }
  }
  return result('slice', out, shape, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) gx.set(g.subarray(o * len * inner, (o + 1) * len * inner), (o * dim + start) * inner);
    return [gx];
  });
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new TensorError('concat', 'needs at least one tensor');
  const first = xs[0];
  const ax = normAxis('concat', axis, first.ndim, first.shape);
  for (const t of xs) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== ax && s !== first.shape[i])) {
      throw new TensorError('concat', `shapes differ outside axis ${axis}`, xs.map((x) => x.shape));
    }
  }
  const outer = numel(first.shape.slice(0, ax));
  const inner = numel(first.shape.slice(ax + 1));
  const sizes = xs.map((t) => t.shape[ax]);
  const total = sizes.reduce((a, b) => a + b, 0);
  const shape = first.shape.map((s, i) => (i === ax ? total : s));
  const out = new Float32Array(outer * total * inner);
  let pos = 0;
  xs.forEach((t, k) => {
    const chunk = sizes[k] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + pos * inner);
    pos += sizes[k];
  });
  return result('concat', out, shape, xs, (g) => {
    let p = 0;
    return xs.map((t, k) => {
      const chunk = sizes[k] * inner;
      const start = p;
      p += sizes[k];
      if (!t.requiresGrad) return null;
      const gx = new Float32Array(t.size);
      for (let o = 0; o < outer; o++) gx.set(g.subarray(o * total * inner + start * inner, o * total * inner + start * inner + chunk), o * chunk);
      return gx;
    });
  });
}

/** Splits `axis` into pieces of the given sizes. */
export function split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  const ax = normAxis('split', axis, x.ndim, x.shape);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== x.shape[ax] || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new TensorError('split', `sizes [${sizes.join(', ')}] do not add up to axis ${axis} of size ${x.shape[ax]}`, [x.shape]);
  }
  let p = 0;
  return sizes.map((s) => {
    const t = slice(x, ax, p, p + s);
    p += s;
    return t;
  });
}

/** Splits `axis` into `n` equal pieces (as torch.chunk when divisible). */
export function chunk(x: Tensor, n: number, axis: number): Tensor[] {
  const ax = normAxis('chunk', axis, x.ndim, x.shape);
  if (x.shape[ax] % n !== 0) throw new TensorError('chunk', `axis ${axis} of size ${x.shape[ax]} does not split into ${n} equal parts`, [x.shape]);
  return split(x, new Array<number>(n).fill(x.shape[ax] / n), ax);
}

/** Zero padding: `pads[i] = [before, after]` for axis i (missing axes are not padded). */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.ndim) throw new TensorError('pad', `${pads.length} pad pairs for rank ${x.ndim}`, [x.shape]);
  const full = x.shape.map((_, i) => pads[i] ?? [0, 0]);
  if (full.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)) {
    throw new TensorError('pad', 'pads must be non-negative integers', [x.shape]);
  }
  const shape = x.shape.map((s, i) => s + full[i][0] + full[i][1]);
  const outStrides = contiguousStrides(shape);
  const offset = full.reduce((acc, [a], i) => acc + a * outStrides[i], 0);
  const out = new Float32Array(numel(shape)).fill(value);
  const inStrides = contiguousStrides(x.shape);
  forEachRow(x.shape, [inStrides, outStrides], (off, len) => out.set(x.data.subarray(off[0], off[0] + len), offset + off[1]));
  return result('pad', out, shape, [x], (g) => {
    const gx = new Float32Array(x.size);
    forEachRow(x.shape, [inStrides, outStrides], (off, len) => gx.set(g.subarray(offset + off[1], offset + off[1] + len), off[0]));
    return [gx];
  });
}

function checkNCHW(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4) throw new TensorError(op, 'expects an NCHW tensor of rank 4', [x.shape]);
  return x.shape as unknown as [number, number, number, number];
}

/** (N, C·r², H, W) → (N, C, H·r, W·r), as torch.nn.PixelShuffle. */
export function pixelShuffle(x: Tensor, r = 2): Tensor {
  const [n, c, h, w] = checkNCHW('pixelShuffle', x);
  if (c % (r * r)) throw new TensorError('pixelShuffle', `channels ${c} are not divisible by ${r * r}`, [x.shape]);
  const co = c / (r * r);
  const t = permute(reshape(x, [n, co, r, r, h, w]), [0, 1, 4, 2, 5, 3]);
  return reshape(t, [n, co, h * r, w * r]);
}

/** (N, C, H, W) → (N, C·r², H/r, W/r), as torch.nn.PixelUnshuffle. */
export function pixelUnshuffle(x: Tensor, r = 2): Tensor {
  const [n, c, h, w] = checkNCHW('pixelUnshuffle', x);
  if (h % r || w % r) throw new TensorError('pixelUnshuffle', `height and width must be divisible by ${r}`, [x.shape]);
  const t = permute(reshape(x, [n, c, h / r, r, w / r, r]), [0, 1, 3, 5, 2, 4]);
  return reshape(t, [n, c * r * r, h / r, w / r]);
}
