/**
 * Direct 2-D convolutions (stride 1, NCHW, OIHW, groups), one thread per output element.
 * Parameters (all three): total, n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow[, hasBias].
 */
import { flatShader } from './common.js';

const SIZES = /* wgsl */ `
  let n = p[1]; let c = p[2]; let h = p[3]; let w = p[4]; let o = p[5];
  let kh = p[6]; let kw = p[7]; let padH = i32(p[8]); let padW = i32(p[9]); let groups = p[10];
  let oh = p[11]; let ow = p[12];
  let cg = c / groups; let og = o / groups;`;

/** y[n, o, y, x] = bias[o] + Σ x[n, g·cg + ci, y + ky − padH, x + kx − padW] · w[o, ci, ky, kx]. */
export const conv2dShader = flatShader({
  read: ['x', 'wt', 'bias'],
  write: ['y'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let ox = i % ow; let oy = (i / ow) % oh; let oc = (i / (ow * oh)) % o; let bn = i / (ow * oh * o);
  let g = oc / og;
  var s = 0.0;
  for (var ci = 0u; ci < cg; ci++) {
    let xc = ((bn * c + g * cg + ci) * h);
    for (var ky = 0u; ky < kh; ky++) {
      let iy = i32(oy + ky) - padH;
      if (iy < 0 || iy >= i32(h)) { continue; }
      for (var kx = 0u; kx < kw; kx++) {
        let ix = i32(ox + kx) - padW;
        if (ix < 0 || ix >= i32(w)) { continue; }
        s += x[(xc + u32(iy)) * w + u32(ix)] * wt[((oc * cg + ci) * kh + ky) * kw + kx];
      }
    }
  }
  if (p[13] != 0u) { s += bias[oc]; }
  y[i] = s;`,
});

/** dx[n, ci, y, x] = Σ over the group's outputs and the taps that read it of gy · w. */
export const conv2dBackwardInputShader = flatShader({
  read: ['gy', 'wt'],
  write: ['dx'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let ix = i % w; let iy = (i / w) % h; let ch = (i / (w * h)) % c; let bn = i / (w * h * c);
  let g = ch / cg; let ci = ch % cg;
  var s = 0.0;
  for (var j = 0u; j < og; j++) {
    let oc = g * og + j;
    for (var ky = 0u; ky < kh; ky++) {
      let oy = i32(iy) + padH - i32(ky);
      if (oy < 0 || oy >= i32(oh)) { continue; }
      for (var kx = 0u; kx < kw; kx++) {
        let ox = i32(ix) + padW - i32(kx);
        if (ox < 0 || ox >= i32(ow)) { continue; }
        s += gy[((bn * o + oc) * oh + u32(oy)) * ow + u32(ox)] * wt[((oc * cg + ci) * kh + ky) * kw + kx];
      }
    }
  }
  dx[i] = s;`,
});

/** dw[o, ci, ky, kx] = Σ over images and output pixels of gy · x at the tap. */
export const conv2dBackwardWeightShader = flatShader({
  read: ['gy', 'x'],
  write: ['dw'],
  body: /* wgsl */ `
  if (i >= p[0]) { return; }${SIZES}
  let kx = i % kw; let ky = (i / kw) % kh; let ci = (i / (kw * kh)) % cg; let oc = i / (kw * kh * cg);
  let g = oc / og;
  var s = 0.0;
  for (var bn = 0u; bn < n; bn++) {
    let xc = (bn * c + g * cg + ci) * h;
    let yc = (bn * o + oc) * oh;
    for (var oy = 0u; oy < oh; oy++) {
      let iy = i32(oy + ky) - padH;
      if (iy < 0 || iy >= i32(h)) { continue; }
      for (var ox = 0u; ox < ow; ox++) {
        let ix = i32(ox + kx) - padW;
        if (ix < 0 || ix >= i32(w)) { continue; }
        s += gy[(yc + oy) * ow + ox] * x[(xc + u32(iy)) * w + u32(ix)];
      }
    }
  }
  dw[i] = s;`,
});
