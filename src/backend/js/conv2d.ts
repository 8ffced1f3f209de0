import type { Conv2dArgs } from '../kernels.js';

/**
 * One row of one kernel tap of a stride-1 convolution: output values `yrow + xx` meet input
 * values `xrow + xx` through weight `wi`, for xx in [x0, x1) (the columns where the tap lands
 * inside the input).
 */
type TapRow = (yrow: number, xrow: number, x0: number, x1: number, wi: number) => void;

/** Visits every (image, output channel, input channel of its group, kernel offset, output row) once. */
function forEachTapRow(a: Conv2dArgs, visit: TapRow): void {
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
            const x0 = Math.max(0, -dx);
            const x1 = Math.min(ow, W - dx);
            for (let yy = Math.max(0, -dy); yy < Math.min(oh, h - dy); yy++) {
              visit(yo + yy * ow, xo + (yy + dy) * W + dx, x0, x1, wo + ky * kw + kx);
            }
          }
        }
      }
    }
  }
}

/** Direct convolution, stride 1: every output pixel sums its kh×kw window of each input channel of its group. */
export function conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, a: Conv2dArgs): Float32Array {
  const { n, o, oh, ow } = a;
  const y = new Float32Array(n * o * oh * ow);
  if (bias) for (let p = 0; p < n * o; p++) y.fill(bias[p % o], p * oh * ow, (p + 1) * oh * ow);
  forEachTapRow(a, (yrow, xrow, x0, x1, wi) => {
    const wv = w[wi];
    if (wv !== 0) for (let xx = x0; xx < x1; xx++) y[yrow + xx] += wv * x[xrow + xx];
  });
  return y;
}

export function conv2dBackwardInput(gy: Float32Array, w: Float32Array, a: Conv2dArgs): Float32Array {
  const { n, c, h, w: W } = a;
  const gx = new Float32Array(n * c * h * W);
  forEachTapRow(a, (yrow, xrow, x0, x1, wi) => {
    const wv = w[wi];
    if (wv !== 0) for (let xx = x0; xx < x1; xx++) gx[xrow + xx] += wv * gy[yrow + xx];
  });
  return gx;
}

export function conv2dBackwardWeight(gy: Float32Array, x: Float32Array, a: Conv2dArgs): Float32Array {
  const { c, o, kh, kw, groups } = a;
  const gw = new Float32Array((o * c * kh * kw) / groups);
  forEachTapRow(a, (yrow, xrow, x0, x1, wi) => {
    let s = 0;
    for (let xx = x0; xx < x1; xx++) s += gy[yrow + xx] * x[xrow + xx];
    gw[wi] += s;
  });
  return gw;
}
