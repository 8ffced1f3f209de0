import type { Conv2dArgs } from '../kernels.js';

/**
 * One kernel tap of a stride-1 convolution: output plane `yo`, input plane `xo`, weight index `wi`,
 * the tap's offset (dy, dx) into the input, and the output rows [y0, y1) and columns [x0, x1)
 * for which it lands inside the input.
 */
type Tap = (yo: number, xo: number, wi: number, dy: number, dx: number, y0: number, y1: number, x0: number, x1: number) => void;

/** Visits every (image, output channel, input channel of its group, kernel offset) once. */
function forEachTap(a: Conv2dArgs, tap: Tap): void {
  const { n, c, h, w: W, o, kh, kw, padH, padW, groups, oh, ow } = a;
  const cg = c / groups;
  const og = o / groups;
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
            tap(yo, xo, wo + ky * kw + kx, dy, dx, Math.max(0, -dy), Math.min(oh, h - dy), Math.max(0, -dx), Math.min(ow, W - dx));
          }
        }
      }
    }
  }
}

/** Direct convolution, stride 1: every output pixel sums its kh×kw window of each input channel of its group. */
export function conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, a: Conv2dArgs): Float32Array {
  const { n, o, w: W, oh, ow } = a;
  const y = new Float32Array(n * o * oh * ow);
  if (bias) for (let p = 0; p < n * o; p++) y.fill(bias[p % o], p * oh * ow, (p + 1) * oh * ow);
  forEachTap(a, (yo, xo, wi, dy, dx, y0, y1, x0, x1) => {
    const wv = w[wi];
    if (wv === 0) return;
    for (let yy = y0; yy < y1; yy++) {
      const yrow = yo + yy * ow;
      const xrow = xo + (yy + dy) * W + dx;
      for (let xx = x0; xx < x1; xx++) y[yrow + xx] += wv * x[xrow + xx];
    }
  });
  return y;
}

export function conv2dBackwardInput(gy: Float32Array, w: Float32Array, a: Conv2dArgs): Float32Array {
  const { n, c, h, w: W, ow } = a;
  const gx = new Float32Array(n * c * h * W);
  forEachTap(a, (yo, xo, wi, dy, dx, y0, y1, x0, x1) => {
    const wv = w[wi];
    if (wv === 0) return;
    for (let yy = y0; yy < y1; yy++) {
      const yrow = yo + yy * ow;
      const xrow = xo + (yy + dy) * W + dx;
      for (let xx = x0; xx < x1; xx++) gx[xrow + xx] += wv * gy[yrow + xx];
    }
  });
  return gx;
}

export function conv2dBackwardWeight(gy: Float32Array, x: Float32Array, a: Conv2dArgs): Float32Array {
  const { c, w: W, o, kh, kw, groups, ow } = a;
  const gw = new Float32Array((o * c * kh * kw) / groups);
  forEachTap(a, (yo, xo, wi, dy, dx, y0, y1, x0, x1) => {
    let s = 0;
    for (let yy = y0; yy < y1; yy++) {
      const yrow = yo + yy * ow;
      const xrow = xo + (yy + dy) * W + dx;
      for (let xx = x0; xx < x1; xx++) s += gy[yrow + xx] * x[xrow + xx];
    }
    gw[wi] += s;
  });
  return gw;
}
