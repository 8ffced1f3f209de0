import type { MatmulArgs } from '../kernels.js';

export function matmul(a: Float32Array, b: Float32Array, args: MatmulArgs): Float32Array {
  const { batch, m, k, n, transA, transB, strideA, strideB } = args;
  const out = new Float32Array(batch * m * n);
  const row = new Float32Array(k);
  for (let bi = 0; bi < batch; bi++) {
    const offA = bi * strideA;
    const offB = bi * strideB;
    const offC = bi * m * n;
    for (let i = 0; i < m; i++) {
      // gather row i of op(A)
      if (transA) for (let p = 0; p < k; p++) row[p] = a[offA + p * m + i];
      else for (let p = 0; p < k; p++) row[p] = a[offA + i * k + p];
      const c0 = offC + i * n;
      if (transB) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          const bj = offB + j * k;
          for (let p = 0; p < k; p++) s += row[p] * b[bj + p];
          out[c0 + j] = s;
        }
      } else {
        for (let p = 0; p < k; p++) {
          const av = row[p];
          if (av === 0) continue;
          const bp = offB + p * n;
          for (let j = 0; j < n; j++) out[c0 + j] += av * b[bp + j];
        }
      }
    }
  }
  return out;
}
