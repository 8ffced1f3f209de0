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

/**
 * The block of a thread whose columns are the pixels of an image (bn) of hh×ww: its 4 channels
 * `rows` (of `limit`) and its 4 pixels' row and column, moved by ± the padding, in `py`, `px`.
 * Clamped indices keep every read in bounds; the rows and columns past the edge are not written.
 */
const pixelBlock = (rows: string, limit: string, hh: string, ww: string, py: string, px: string, sign: '+' | '-') => /* wgsl */ `
  let bn = wid.z;
  let npx = ${hh} * ${ww};
  if (row0 >= ${limit} || col0 >= npx) { return; }
  var ${rows}: array<u32, 4>;
  var ${py}: array<i32, 4>;
  var ${px}: array<i32, 4>;
  for (var j = 0u; j < 4u; j++) {
    ${rows}[j] = min(row0 + j, ${limit} - 1u);
    let q = min(col0 + j, npx - 1u);
    ${py}[j] = i32(q / ${ww}) ${sign} padH;
    ${px}[j] = i32(q % ${ww}) ${sign} padW;
  }`;

/**
 * `name` = the four values (j = 0…3) of `arr` at row `iy`, column `ix` of the h×w plane starting
 * at row `plane`, zero where that falls outside (the padding).
 */
const load4 = (name: string, arr: string, plane: string, hh: string, ww: string, iy: string, ix: string) => /* wgsl */ `
        var v: array<f32, 4>;
        for (var j = 0u; j < 4u; j++) {
          let iy = ${iy}; let ix = ${ix};
          v[j] = 0.0;
          if (iy >= 0 && iy < i32(${hh}) && ix >= 0 && ix < i32(${ww})) { v[j] = ${arr}[(${plane} + u32(iy)) * ${ww} + u32(ix)]; }
        }
        let ${name} = vec4f(v[0], v[1], v[2], v[3]);`;

/** Writes the block s (rows × cols clipped at the edges) to `out` at base + row·ld + col. */
const STORE = (out: string, base: string, ld: string, rows: string, cols: string) => /* wgsl */ `
  for (var r = 0u; r < 4u; r++) {
    let row = row0 + r;
    if (row >= ${rows}) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + j;
      if (col >= ${cols}) { break; }
      ${out}[${base} + row * ${ld} + col] = s[r][j];
    }
  }
}`;

/** y[b, oc, q] = bias[oc] + Σ_(ci, ky, kx) wt[oc, ci, ky, kx] · x[b, ci, at q shifted by the tap]. */
export const conv2dBlockedShader = customShader(['x', 'wt', 'bias'], ['y'], /* wgsl */ `${HEAD}
${pixelBlock('oc', 'o', 'oh', 'ow', 'py', 'px', '-')}
  let taps = c * kh * kw;
  var s: array<vec4f, 4>;
  for (var ci = 0u; ci < c; ci++) {
    let xc = (bn * c + ci) * h;
    for (var ky = 0u; ky < kh; ky++) {
      for (var kx = 0u; kx < kw; kx++) {
${load4('xv', 'x', 'xc', 'h', 'w', 'py[j] + i32(ky)', 'px[j] + i32(kx)')}
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
${pixelBlock('ch', 'c', 'h', 'w', 'qy', 'qx', '+')}
  var s: array<vec4f, 4>;
  for (var oc = 0u; oc < o; oc++) {
    let yc = (bn * o + oc) * oh;
    for (var ky = 0u; ky < kh; ky++) {
      for (var kx = 0u; kx < kw; kx++) {
${load4('gv', 'gy', 'yc', 'oh', 'ow', 'qy[j] - i32(ky)', 'qx[j] - i32(kx)')}
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
${load4('xv', 'x', '(bn * c + tc[j]) * h', 'h', 'w', 'i32(oy) + ty[j]', 'i32(ox) + tx[j]')}
        let g = (bn * o) * oh * ow + oy * ow + ox;
        for (var r = 0u; r < 4u; r++) { s[r] += gy[g + oc[r] * oh * ow] * xv; }
      }
    }
  }
${STORE('dw', '0u', 'taps', 'o', 'taps')}
`);
