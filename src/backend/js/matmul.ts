import { matmulOutputLength, type MatmulArgs } from '../kernels.js';

export function matmul(a: Float32Array, b: Float32Array, args: MatmulArgs): Float32Array {
  const { batch, m, k, n, transA, transB, strideA, strideB } = args;
  const strideC = args.strideC ?? m * n;
  if (args.into && args.into.length < matmulOutputLength(args)) throw new Error(`matmul: into has ${args.into.length} elements, the call needs ${matmulOutputLength(args)}`);
  if (args.accumulate && !args.into) throw new Error('matmul: accumulate needs an into array');
  if (args.into && (sharesMemory(args.into, a) || sharesMemory(args.into, b))) throw new Error('matmul: into must not overlap a or b');
  const out = args.into ?? new Float32Array(batch * m * n);
  const row = new Float32Array(k);
  const acc = new Float32Array(n);
  for (let bi = 0; bi < batch; bi++) {
    const offA = bi * strideA;
    const offB = bi * strideB;
    const offC = bi * strideC;
    for (let i = 0; i < m; i++) {
      // gather row i of op(A)
      if (transA) for (let p = 0; p < k; p++) row[p] = a[offA + p * m + i];
      else for (let p = 0; p < k; p++) row[p] = a[offA + i * k + p];
      const c0 = offC + i * n;
      acc.fill(0);
      if (transB) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          const bj = offB + j * k;
          for (let p = 0; p < k; p++) s += row[p] * b[bj + p];
          acc[j] = s;
        }
      } else {
        for (let p = 0; p < k; p++) {
          const av = row[p];
          if (av === 0) continue;
          const bp = offB + p * n;
          for (let j = 0; j < n; j++) acc[j] += av * b[bp + j];
        }
      }
      if (args.accumulate) for (let j = 0; j < n; j++) out[c0 + j] += acc[j];
      else out.set(acc, c0);
    }
  }
  return out;
}

/** Whether two views share any bytes of one buffer. */
function sharesMemory(x: Float32Array, y: Float32Array): boolean {
  return x.buffer === y.buffer && x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}
