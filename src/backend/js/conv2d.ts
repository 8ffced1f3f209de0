import type { Conv2dArgs } from '../kernels.js';

/** Direct convolution, stride 1: every output pixel sums its kh×kw window of each input channel of its group. */
export function conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, a: Conv2dArgs): Float32Array {
  const { n, c, h, w: W, o, kh, kw, padH, padW, groups, oh, ow } = a;
  const cg = c / groups;
  const og = o / groups;
  const y = new Float32Array(n * o * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      const yo = (b * o + oc) * oh * ow;
      const bv = bias ? bias[oc] : 0;
      for (let i = 0; i < oh * ow; i++) y[yo + i] = bv;
      for (let ic = 0; ic < cg; ic++) {
        const xo = (b * c + g * cg + ic) * h * W;
        const wo = (oc * cg + ic) * kh * kw;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wv = w[wo + ky * kw + kx];
            if (wv === 0) continue;
            const dy = ky - padH;
            const dx = kx - padW;
            const y0 = Math.max(0, -dy);
            const y1 = Math.min(oh, h - dy);
            const x0 = Math.max(0, -dx);
            const x1 = Math.min(ow, W - dx);
            for (let yy = y0; yy < y1; yy++) {
              const yrow = yo + yy * ow;
              const xrow = xo + (yy + dy) * W + dx;
              for (let xx = x0; xx < x1; xx++) y[yrow + xx] += wv * x[xrow + xx];
            }
          }
        }
      }
    }
  }
  return y;
}

export function conv2dBackwardInput(gy: Float32Array, w: Float32Array, a: Conv2dArgs): Float32Array {
  const { n, c, h, w: W, o, kh, kw, padH, padW, groups, oh, ow } = a;
  const cg = c / groups;
  const og = o / groups;
  const gx = new Float32Array(n * c * h * W);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      const yo = (b * o + oc) * oh * ow;
      for (let ic = 0; ic < cg; ic++) {
        const xo = (b * c + g * cg + ic) * h * W;
        const wo = (oc * cg + ic) * kh * kw;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wv = w[wo + ky * kw + kx];
            if (wv === 0) continue;
            const dy = ky - padH;
            const dx = kx - padW;
            const y0 = Math.max(0, -dy);
            const y1 = Math.min(oh, h - dy);
            const x0 = Math.max(0, -dx);
            const x1 = Math.min(ow, W - dx);
            for (let yy = y0; yy < y1; yy++) {
              const yrow = yo + yy * ow;
              const xrow = xo + (yy + dy) * W + dx;
              for (let xx = x0; xx < x1; xx++) gx[xrow + xx] += wv * gy[yrow + xx];
            }
          }
        }
      }
    }
  }
  return gx;
}

export function conv2dBackwardWeight(gy: Float32Array, x: Float32Array, a: Conv2dArgs): Float32Array {
  const { n, c, h, w: W, o, kh, kw, padH, padW, groups, oh, ow } = a;
  const cg = c / groups;
  const og = o / groups;
  const gw = new Float32Array(o * cg * kh * kw);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      const yo = (b * o + oc) * oh * ow;
      for (let ic = 0; ic < cg; ic++) {
        const xo = (b * c + g * cg + ic) * h * W;
        const wo = (oc * cg + ic) * kh * kw;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const dy = ky - padH;
            const dx = kx - padW;
            const y0 = Math.max(0, -dy);
            const y1 = Math.min(oh, h - dy);
            const x0 = Math.max(0, -dx);
            const x1 = Math.min(ow, W - dx);
            let s = 0;
            for (let yy = y0; yy < y1; yy++) {
              const yrow = yo + yy * ow;
              const xrow = xo + (yy + dy) * W + dx;
              for (let xx = x0; xx < x1; xx++) s += gy[yrow + xx] * x[xrow + xx];
            }
            gw[wo + ky * kw + kx] += s;
          }
        }
      }
    }
  }
  return gw;
}
