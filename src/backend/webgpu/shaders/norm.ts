/**
 * LayerNorm over the channel axis of (n, c, hw), statistics per (n, pixel), as
 * backend/js/channel-norm.ts. Parameters: total (n·hw; c for the weight pass), n, c, hw,
 * eps (bits), subtractMean, hasBias.
 */
import { flatShader } from './common.js';

export const channelNormShader = flatShader({
  read: ['x', 'weight', 'bias'],
  write: ['y', 'mean', 'rstd'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let c = p[2]; let hw = p[3]; let eps = bitcast<f32>(p[4]);
  let bn = i / hw; let px = i % hw;
  let base = bn * c * hw + px;
  var s = 0.0;
  for (var ch = 0u; ch < c; ch++) { s += x[base + ch * hw]; }
  let mu = s / f32(c);
  var v = 0.0;
  for (var ch = 0u; ch < c; ch++) { let d = x[base + ch * hw] - mu; v += d * d; }
  let r = 1.0 / sqrt(v / f32(c) + eps);
  mean[i] = mu;
  rstd[i] = r;
  var shift = 0.0;
  if (p[5] != 0u) { shift = mu; }
  for (var ch = 0u; ch < c; ch++) {
    var b = 0.0;
    if (p[6] != 0u) { b = bias[ch]; }
    y[base + ch * hw] = (x[base + ch * hw] - shift) * r * weight[ch] + b;
  }`,
});

/** dx per (n, pixel). */
export const channelNormBackwardShader = flatShader({
  read: ['gy', 'x', 'weight', 'mean', 'rstd'],
  write: ['dx'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let c = p[2]; let hw = p[3]; let sub = p[5] != 0u;
  let bn = i / hw; let px = i % hw;
  let base = bn * c * hw + px;
  let mu = mean[i]; let r = rstd[i];
  var sg = 0.0; var sgx = 0.0;
  for (var ch = 0u; ch < c; ch++) {
    let j = base + ch * hw;
    let g = gy[j] * weight[ch];
    sg += g;
    if (sub) { sgx += g * (x[j] - mu) * r; } else { sgx += g * x[j] * r; }
  }
  var mg = 0.0;
  if (sub) { mg = sg / f32(c); }
  let mgx = sgx / f32(c);
  for (var ch = 0u; ch < c; ch++) {
    let j = base + ch * hw;
    dx[j] = r * (gy[j] * weight[ch] - mg - (x[j] - mu) * r * mgx);
  }`,
});

/** dweight and dbias per channel, packed [dweight (c) | dbias (c)]. */
export const channelNormWeightShader = flatShader({
  read: ['gy', 'x', 'mean', 'rstd'],
  write: ['dwb'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }
  let n = p[1]; let c = p[2]; let hw = p[3]; let sub = p[5] != 0u;
  var dw = 0.0; var db = 0.0;
  for (var bn = 0u; bn < n; bn++) {
    for (var px = 0u; px < hw; px++) {
      let j = (bn * c + i) * hw + px;
      let q = bn * hw + px;
      let g = gy[j];
      if (sub) { dw += g * (x[j] - mean[q]) * rstd[q]; } else { dw += g * x[j] * rstd[q]; }
      db += g;
    }
  }
  dwb[i] = dw;
  dwb[c + i] = db;`,
});
