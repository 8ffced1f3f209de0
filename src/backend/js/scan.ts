import { scanBcStride, type ScanArgs, type ScanGrads, type ScanInputs } from '../kernels.js';
import { softplusGradScalar, softplusScalar as softplus } from './elementwise.js';


export function scan(inp: ScanInputs, a: ScanArgs): { y: Float32Array; states: Float32Array } {
  const { b, groups, d, n, L, chunk } = a;
  const bcStride = scanBcStride(a);
  const { u, delta, A, B, C, D, deltaBias } = inp;
  const ch = groups * d;
  const nChunks = Math.ceil(L / chunk);
  const y = new Float32Array(b * ch * L);
  const states = new Float32Array(b * ch * nChunks * n);
  const h = new Float64Array(n);
  for (let bi = 0; bi < b; bi++) {
    for (let c = 0; c < ch; c++) {
      const k = Math.floor(c / d);
      const row = (bi * ch + c) * L;
      const bc = (bi * groups + k) * bcStride;
      const aRow = c * n;
      h.fill(0);
      for (let l = 0; l < L; l++) {
        const dt = softplus(delta[row + l] + deltaBias[c]);
        const ul = u[row + l];
        let yl = D[c] * ul;
        for (let s = 0; s < n; s++) {
          const hs = Math.fround(Math.exp(dt * A[aRow + s]) * h[s] + dt * B[bc + s * L + l] * ul);
          h[s] = hs;
          yl += C[bc + s * L + l] * hs;
        }
        y[row + l] = yl;
        if (l % chunk === chunk - 1 || l === L - 1) {
          const so = ((bi * ch + c) * nChunks + Math.floor(l / chunk)) * n;
          for (let s = 0; s < n; s++) states[so + s] = h[s];
        }
      }
    }
  }
  return { y, states };
}

export function scanBackward(inp: ScanInputs, states: Float32Array, gy: Float32Array, a: ScanArgs): ScanGrads {
  const { b, groups, d, n, L, chunk } = a;
  const bcStride = scanBcStride(a);
  const { u, delta, A, B, C, D, deltaBias } = inp;
  const ch = groups * d;
  const nChunks = Math.ceil(L / chunk);
  const du = new Float32Array(u.length);
  const ddelta = new Float32Array(delta.length);
  const dA = new Float64Array(A.length);
  const dB = new Float64Array(b * groups * n * L);
  const dC = new Float64Array(b * groups * n * L);
  const dD = new Float64Array(D.length);
  const dDeltaBias = new Float64Array(deltaBias.length);
  const hs = new Float64Array((chunk + 1) * n); // hs[0] = state before the chunk
  const dts = new Float64Array(chunk);
  const carry = new Float64Array(n);
  for (let bi = 0; bi < b; bi++) {
    for (let c = 0; c < ch; c++) {
      const k = Math.floor(c / d);
      const row = (bi * ch + c) * L;
      const bc = (bi * groups + k) * bcStride;
      const bcOut = (bi * groups + k) * n * L;
      const aRow = c * n;
      carry.fill(0);
      for (let ci = nChunks - 1; ci >= 0; ci--) {
        const l0 = ci * chunk;
        const l1 = Math.min(L, l0 + chunk);
        if (ci === 0) for (let s = 0; s < n; s++) hs[s] = 0;
        else {
          const so = ((bi * ch + c) * nChunks + ci - 1) * n;
          for (let s = 0; s < n; s++) hs[s] = states[so + s];
        }
        for (let l = l0; l < l1; l++) {
          const dt = softplus(delta[row + l] + deltaBias[c]);
          dts[l - l0] = dt;
          const ul = u[row + l];
          const prev = (l - l0) * n;
          for (let s = 0; s < n; s++) {
            hs[prev + n + s] = Math.fround(Math.exp(dt * A[aRow + s]) * hs[prev + s] + dt * B[bc + s * L + l] * ul);
          }
        }
        for (let l = l1 - 1; l >= l0; l--) {
          const g = gy[row + l];
          const ul = u[row + l];
          const dt = dts[l - l0];
          const prev = (l - l0) * n;
          dD[c] += g * ul;
          let dul = g * D[c];
          let ddt = 0;
          for (let s = 0; s < n; s++) {
            const bIdx = bc + s * L + l;
            const oIdx = bcOut + s * L + l;
            const dh = carry[s] + g * C[bIdx];
            dC[oIdx] += g * hs[prev + n + s];
            const hp = hs[prev + s];
            const e = Math.exp(dt * A[aRow + s]);
            dA[aRow + s] += dh * hp * e * dt;
            ddt += dh * (hp * e * A[aRow + s] + B[bIdx] * ul);
            dB[oIdx] += dh * dt * ul;
            dul += dh * dt * B[bIdx];
            carry[s] = dh * e;
          }
          du[row + l] = dul;
          const x = delta[row + l] + deltaBias[c];
          const dx = ddt * softplusGradScalar(x);
          ddelta[row + l] = dx;
          dDeltaBias[c] += dx;
        }
      }
    }
  }
  return {
    du,
    ddelta,
    dA: Float32Array.from(dA),
    dB: Float32Array.from(dB),
    dC: Float32Array.from(dC),
    dD: Float32Array.from(dD),
    dDeltaBias: Float32Array.from(dDeltaBias),
  };
}
