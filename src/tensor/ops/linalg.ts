import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { kernels } from '../../backend/index.js';
import { reshape } from './movement.js';
import { add } from './elementwise.js';

export interface MatmulOptions {
  /** Use a's last two axes transposed. */
  transA?: boolean;
  transB?: boolean;
}

/**
 * Batched matrix product op(a) · op(b) over the last two axes. The batch axes of one operand
 * must equal the trailing batch axes of the other (a plain matrix is shared by every batch).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = !!opts.transA;
  const transB = !!opts.transB;
  if (a.ndim < 2 || b.ndim < 2) throw new TensorError('matmul', 'operands need rank ≥ 2', [a.shape, b.shape]);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) throw new TensorError('matmul', `inner sizes differ (${k} vs ${kb})`, [a.shape, b.shape]);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  // One operand's batch axes must be a suffix of the other's: the missing leading axes broadcast.
  const long = aBatch.length >= bBatch.length ? aBatch : bBatch;
  const short = aBatch.length >= bBatch.length ? bBatch : aBatch;
  const lead = long.length - short.length;
  if (short.some((s, i) => s !== long[lead + i])) {
    throw new TensorError('matmul', 'batch axes differ (the shorter batch must match the end of the longer)', [a.shape, b.shape]);
  }
  const outer = long.slice(0, lead).reduce((x, y) => x * y, 1);
  const inner = short.reduce((x, y) => x * y, 1);
  const aOuter = aBatch.length === long.length && lead > 0;
  const bOuter = bBatch.length === long.length && lead > 0;
  const kern = kernels();
  const sizeA = m * k;
  const sizeB = k * n;
  const sizeC = m * n;
  const args = { batch: inner, m, k, n, transA, transB, strideA: aBatch.length ? sizeA : 0, strideB: bBatch.length ? sizeB : 0 };
  let out: Float32Array;
  if (outer === 1) out = kern.matmul(a.data, b.data, args);
  else {
    out = new Float32Array(outer * inner * sizeC);
    for (let o = 0; o < outer; o++) {
      const av = aOuter ? a.data.subarray(o * inner * sizeA, (o + 1) * inner * sizeA) : a.data;
      const bv = bOuter ? b.data.subarray(o * inner * sizeB, (o + 1) * inner * sizeB) : b.data;
      out.set(kern.matmul(av, bv, args), o * inner * sizeC);
    }
  }
  return result('matmul', out, [...long, m, n], [a, b], (g) => {
    // with one outer batch the kernel's result is the gradient itself (no accumulation)
    let ga: Float32Array | null = a.requiresGrad ? (outer === 1 ? new Float32Array(0) : new Float32Array(a.size)) : null;
    let gb: Float32Array | null = b.requiresGrad ? (outer === 1 ? new Float32Array(0) : new Float32Array(b.size)) : null;
    for (let o = 0; o < outer; o++) {
      const gv = g.subarray(o * inner * sizeC, (o + 1) * inner * sizeC);
      const av = aOuter ? a.data.subarray(o * inner * sizeA, (o + 1) * inner * sizeA) : a.data;
      const bv = bOuter ? b.data.subarray(o * inner * sizeB, (o + 1) * inner * sizeB) : b.data;
      if (ga) {
        // dA = g·op(B)ᵀ, stored in A's layout
        let d = transA
          ? kern.matmul(bv, gv, { batch: inner, m: k, k: n, n: m, transA: transB, transB: true, strideA: args.strideB, strideB: sizeC })
          : kern.matmul(gv, bv, { batch: inner, m, k: n, n: k, transA: false, transB: !transB, strideA: sizeC, strideB: args.strideB });
        if (!aBatch.length && inner > 1) d = sumBatches(d, inner);
        if (outer === 1) ga = d;
        else addInto(ga, d, aOuter ? o * inner * sizeA : 0);
      }
      if (gb) {
        let d = transB
          ? kern.matmul(gv, av, { batch: inner, m: n, k: m, n: k, transA: true, transB: transA, strideA: sizeC, strideB: args.strideA })
          : kern.matmul(av, gv, { batch: inner, m: k, k: m, n, transA: !transA, transB: false, strideA: args.strideA, strideB: sizeC });
        if (!bBatch.length && inner > 1) d = sumBatches(d, inner);
        if (outer === 1) gb = d;
        else addInto(gb, d, bOuter ? o * inner * sizeB : 0);
      }
    }
    return [ga, gb];
  });
}

function addInto(dst: Float32Array, src: Float32Array, offset: number): void {
  for (let i = 0; i < src.length; i++) dst[offset + i] += src[i];
}

function sumBatches(x: Float32Array, batch: number): Float32Array {
  const size = x.length / batch;
  const out = x.slice(0, size);
  for (let b = 1; b < batch; b++) {
    const o = b * size;
    for (let i = 0; i < size; i++) out[i] += x[o + i];
  }
  return out;
}

/** y = x·Wᵀ + b over the last axis, PyTorch's Linear (weight (out, in)). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new TensorError('linear', 'weight must be (out, in)', [weight.shape]);
  const inF = weight.shape[1];
  if (x.shape[x.ndim - 1] !== inF) throw new TensorError('linear', `last axis must be ${inF}`, [x.shape, weight.shape]);
  const lead = x.shape.slice(0, -1);
  const flat = reshape(x, [lead.reduce((p, s) => p * s, 1), inF]);
  let y = matmul(flat, weight, { transB: true });
  if (bias) y = add(y, bias);
  return reshape(y, [...lead, weight.shape[0]]);
}
