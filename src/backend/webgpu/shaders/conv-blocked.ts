/**
 * Dense (groups 1) 2-D convolutions as implicit matrix products: each thread sums a 4×4 block of
 * the result in registers (4 channels × 4 pixels or taps), so every input value it reads feeds four
 * products instead of one, as in the matrix product (matmul.ts: no workgroup memory, no barriers).
 * The direct shaders (conv.ts) remain for grouped and depthwise convolutions, whose reductions
 * are a few taps long.
 * Workgroups (⌈cols/32⌉, ⌈rows/32⌉, images) of 8×8 threads (the weight gradient: one "image").
 * Parameters: n, c, h, w, o, kh, kw, padH, padW, oh, ow[, hasBias].
 */
import { customShader } from './common.js';

/** Rows and columns of the result one workgroup covers. */
export const CONV_BLOCK_TILE = 32;

const HEAD = /* wgsl */ `
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let n = p[0]; let c = p[1]; let h = p[2]; let w = p[3]; let o = p[4];
  let kh = p[5]; let kw = p[6]; let padH = i32(p[7]); let padW = i32(p[8]);
  let oh = p[9]; let ow = p[10];
  let row0 = wid.y * 32u + lid.y * 4u;
  let col0 = wid.x * 32u + lid.x * 4u;`;

/** Writes the block s (rows × cols clipped at the edges) to `out` at base + row·ld + col. */
const STORE = (out: string, base: string, ld: string, rows: string, cols: string, extra = '') => /* wgsl */ `
  for (var r = 0u; r < 4u; r++) {
    let row = row0 + r;
    if (row >= ${rows}) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + j;
      if (col >= ${cols}) { break; }
      ${out}[${base} + row * ${ld} + col] = s[r][j]${extra};
    }
  }
}`;

/** y[b, oc, q] = bias[oc] + Σ_(ci, ky, kx) wt[oc, ci, ky, kx] · x[b, ci, at q shifted by the tap]. */
export const conv2dBlockedShader = customShader(['x', 'wt', 'bias'], ['y'], /* wgsl */ `${HEAD}
  let bn = wid.z;
  let npx = oh * ow;
  if (row0 >= o || col0 >= npx) { return; }
  // clamped indices keep every read in bounds; the rows and columns past the edge are not written
  var oc: array<u32, 4>;
  var py: array<i32, 4>;
  var px: array<i32, 4>;
  for (var j = 0u; j < 4u; j++) {
    oc[j] = min(row0 + j, o - 1u);
    let q = min(col0 + j, npx - 1u);
    py[j] = i32(q / ow) - padH;
    px[j] = i32(q % ow) - padW;
  }
  let taps = c * kh * kw;
  var s: array<vec4f, 4>;
  for (var ci = 0u; ci < c; ci++) {
    let xc = (bn * c + ci) * h;
    for (var ky = 0u; ky < kh; ky++) {
      for (var kx = 0u; kx < kw; kx++) {
        var v: array<f32, 4>;
        for (var j = 0u; j < 4u; j++) {
          let iy = py[j] + i32(ky); let ix = px[j] + i32(kx);
          v[j] = 0.0;
          if (iy >= 0 && iy < i32(h) && ix >= 0 && ix < i32(w)) { v[j] = x[(xc + u32(iy)) * w + u32(ix)]; }
        }
        let xv = vec4f(v[0], v[1], v[2], v[3]);
        let t = (ci * kh + ky) * kw + kx;
        for (var r = 0u; r < 4u; r++) { s[r] += wt[oc[r] * taps + t] * xv; }
      }
    }
  }
  if (p[11] != 0u) { for (var r = 0u; r < 4u; r++) { s[r] += vec4f(bias[oc[r]]); } }
${STORE('y', 'bn * o * npx', 'npx', 'o', 'npx')}
`);

/** dx[b, ci, q] = Σ_(oc, ky, kx) wt[oc, ci, ky, kx] · gy[b, oc, at q shifted back by the tap]. */
export const conv2dBackwardInputBlockedShader = customShader(['gy', 'wt'], ['dx'], /* wgsl */ `${HEAD}
  let bn = wid.z;
  let npx = h * w;
  if (row0 >= c || col0 >= npx) { return; }
  var ch: array<u32, 4>;
  var qy: array<i32, 4>;
  var qx: array<i32, 4>;
  for (var j = 0u; j < 4u; j++) {
    ch[j] = min(row0 + j, c - 1u);
    let q = min(col0 + j, npx - 1u);
    qy[j] = i32(q / w) + padH;
    qx[j] = i32(q % w) + padW;
  }
  var s: array<vec4f, 4>;
  for (var oc = 0u; oc < o; oc++) {
    let yc = (bn * o + oc) * oh;
    for (var ky = 0u; ky < kh; ky++) {
      for (var kx = 0u; kx < kw; kx++) {
        var v: array<f32, 4>;
        for (var j = 0u; j < 4u; j++) {
          let oy = qy[j] - i32(ky); let ox = qx[j] - i32(kx);
          v[j] = 0.0;
          if (oy >= 0 && oy < i32(oh) && ox >= 0 && ox < i32(ow)) { v[j] = gy[(yc + u32(oy)) * ow + u32(ox)]; }
        }
        let gv = vec4f(v[0], v[1], v[2], v[3]);
        for (var r = 0u; r < 4u; r++) { s[r] += wt[((oc * c + ch[r]) * kh + ky) * kw + kx] * gv; }
      }
    }
  }
${STORE('dx', 'bn * c * npx', 'npx', 'c', 'npx')}
`);

/** dw[oc, t] = Σ_(b, oy, ox) gy[b, oc, oy, ox] · x[b, ci, oy + ky − padH, ox + kx − padW], t = (ci, ky, kx). */
export const conv2dBackwardWeightBlockedShader = customShader(['gy', 'x'], ['dw'], /* wgsl */ `${HEAD}
  let taps = c * kh * kw;
  if (row0 >= o || col0 >= taps) { return; }
  var oc: array<u32, 4>;
  var tc: array<u32, 4>;
  var ty: array<i32, 4>;
  var tx: array<i32, 4>;
  for (var j = 0u; j < 4u; j++) {
    oc[j] = min(row0 + j, o - 1u);
    let t = min(col0 + j, taps - 1u);
    tc[j] = t / (kh * kw);
    ty[j] = i32((t / kw) % kh) - padH;
    tx[j] = i32(t % kw) - padW;
  }
  var s: array<vec4f, 4>;
  for (var bn = 0u; bn < n; bn++) {
    for (var oy = 0u; oy < oh; oy++) {
      for (var ox = 0u; ox < ow; ox++) {
        var v: array<f32, 4>;
        for (var j = 0u; j < 4u; j++) {
          let iy = i32(oy) + ty[j]; let ix = i32(ox) + tx[j];
          v[j] = 0.0;
          if (iy >= 0 && iy < i32(h) && ix >= 0 && ix < i32(w)) { v[j] = x[((bn * c + tc[j]) * h + u32(iy)) * w + u32(ix)]; }
        }
        let xv = vec4f(v[0], v[1], v[2], v[3]);
        let g = (bn * o) * oh * ow + oy * ow + ox;
        for (var r = 0u; r < 4u; r++) { s[r] += gy[g + oc[r] * oh * ow] * xv; }
      }
    }
  }
${STORE('dw', '0u', 'taps', 'o', 'taps')}
`);
