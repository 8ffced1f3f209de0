import type { ChannelNormArgs } from '../kernels.js';

export function channelNorm(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  a: ChannelNormArgs,
): { y: Float32Array; mean: Float32Array; rstd: Float32Array } {
  const { n, c, hw, eps, subtractMean } = a;
  const y = new Float32Array(x.length);
  const mean = new Float32Array(n * hw);
  const rstd = new Float32Array(n * hw);
  for (let b = 0; b < n; b++) {
    const base = b * c * hw;
    for (let p = 0; p < hw; p++) {
      let s = 0;
      for (let ch = 0; ch < c; ch++) s += x[base + ch * hw + p];
      const mu = s / c;
      let v = 0;
      for (let ch = 0; ch < c; ch++) {
        const d = x[base + ch * hw + p] - mu;
        v += d * d;
      }
      const r = 1 / Math.sqrt(v / c + eps);
      mean[b * hw + p] = mu;
      rstd[b * hw + p] = r;
      const shift = subtractMean ? mu : 0;
      for (let ch = 0; ch < c; ch++) {
        const i = base + ch * hw + p;
        y[i] = (x[i] - shift) * r * weight[ch] + (bias ? bias[ch] : 0);
      }
    }
  }
  return { y, mean, rstd };
}

export function channelNormBackward(
  gy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  a: ChannelNormArgs,
): { dx: Float32Array; dweight: Float32Array; dbias: Float32Array } {
  const { n, c, hw, subtractMean } = a;
  const dx = new Float32Array(x.length);
  const dweight = new Float32Array(c);
  const dbias = new Float32Array(c);
  for (let b = 0; b < n; b++) {
    const base = b * c * hw;
    for (let p = 0; p < hw; p++) {
      const mu = mean[b * hw + p];
      const r = rstd[b * hw + p];
      // g = gy·w, x̂ = (x − μ)·r. WithBias: dx = r(g − mean(g) − x̂·mean(g·x̂)).
      // BiasFree (y = x·r·w): dx = r(g − x̂·mean(g·x·r)).
      let sg = 0;
      let sgx = 0;
      for (let ch = 0; ch < c; ch++) {
        const i = base + ch * hw + p;
        const xh = (x[i] - mu) * r;
        const g = gy[i] * weight[ch];
        sg += g;
        sgx += subtractMean ? g * xh : g * x[i] * r;
        dweight[ch] += gy[i] * (subtractMean ? xh : x[i] * r);
        dbias[ch] += gy[i];
      }
      const mg = subtractMean ? sg / c : 0;
      const mgx = sgx / c;
      for (let ch = 0; ch < c; ch++) {
        const i = base + ch * hw + p;
        const xh = (x[i] - mu) * r;
        dx[i] = r * (gy[i] * weight[ch] - mg - xh * mgx);
      }
    }
  }
  return { dx, dweight, dbias };
}

