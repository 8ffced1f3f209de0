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
 * Batched matrix product op(a) · op(b) over the last two axes. Leading (batch) axes must be
 * equal, or one operand may be a plain matrix shared by every batch.
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
  const batchA = aBatch.reduce((x, y) => x * y, 1);
  const batchB = bBatch.reduce((x, y) => x * y, 1);
  let batchShape: number[];
  if (aBatch.length && bBatch.length && (aBatch.length !== bBatch.length || aBatch.some((s, i) => s !== bBatch[i]))) {
    throw new TensorError('matmul', 'batch axes differ (only equal batches or a plain matrix operand are supported)', [a.shape, b.shape]);
  }
  if (aBatch.length) batchShape = [...aBatch];
  else batchShape = [...bBatch];
  const batch = Math.max(batchA, batchB);
  const kern = kernels();
  const args = { batch, m, k, n, transA, transB, strideA: aBatch.length ? m * k : 0, strideB: bBatch.length ? k * n : 0 };
  const out = kern.matmul(a.data, b.data, args);
  return result('matmul', out, [...batchShape, m, n], [a, b], (g) => {
    let ga: Float32Array | null = null;
    let gb: Float32Array | null = null;
    if (a.requiresGrad) {
      // dA = g·op(B)ᵀ (stored as op(A)'s layout)
      ga = transA
        ? kern.matmul(b.data, g, { batch, m: k, k: n, n: m, transA: transB, transB: true, strideA: args.strideB, strideB: m * n })
        : kern.matmul(g, b.data, { batch, m, k: n, n: k, transA: false, transB: !transB, strideA: m * n, strideB: args.strideB });
      if (!aBatch.length && batch > 1) ga = sumBatches(ga, batch);
    }
    if (b.requiresGrad) {
      gb = transB
        ? kern.matmul(g, a.data, { batch, m: n, k: m, n: k, transA: true, transB: transA, strideA: m * n, strideB: args.strideA })
        : kern.matmul(a.data, g, { batch, m: k, k: m, n, transA: !transA, transB: false, strideA: args.strideA, strideB: m * n });
      if (!bBatch.length && batch > 1) gb = sumBatches(gb, batch);
    }
    return [ga, gb];
  });
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
