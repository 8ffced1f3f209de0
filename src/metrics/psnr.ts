import { maxOf, type HWCImage } from './image.js';
import type { MetricOptions } from './options.js';
import { preparePair } from './pair.js';

const f32 = Math.fround;

/**
 * numpy's float32 `np.add.reduce` (pairwise summation with eight accumulators, blocks of
 * 128, every partial sum rounded to float32), so a float32 mean comes out as numpy's does.
 */
export function pairwiseSumF32(v: Float64Array | Float32Array, start = 0, n = v.length): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f32(res + v[start + i]);
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = f32(v[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f32(r[j] + v[start + i + j]);
    let res = f32(f32(f32(r[0] + r[1]) + f32(r[2] + r[3])) + f32(f32(r[4] + r[5]) + f32(r[6] + r[7])));
    for (; i < n; i++) res = f32(res + v[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f32(pairwiseSumF32(v, start, n2) + pairwiseSumF32(v, start + n2, n - n2));
}

/**
 * numpy's float32 sum of a contiguous array: the reduction runs over buffer-sized chunks
 * (8192 elements), each summed pairwise, the chunk sums added into a float32 result.
 */
export function numpySumF32(v: Float64Array | Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i += 8192) s = f32(s + pairwiseSumF32(v, i, Math.min(8192, v.length - i)));
  return s;
}

/**
 * Peak signal-to-noise ratio in dB between two HWC images, as the authors compute it
 * (see {@link MetricOptions.variant}). Identical images give `Infinity`.
 *
 * basicsr: mean squared error in float64 over all (cropped) pixels and channels; peak 1 if
 * the first image's max ≤ 1 else 255. deraining: same but peak always 255.
 * With `yChannel`, Y is float32 (as in the original), so the squared error and its mean
 * are float32 (numpy pairwise) and sqrt is float32; the ratio and log10 are float64.
 *
 * @example psnr(out, gt, { variant: 'deraining', yChannel: true })
 */
export function psnr(a: HWCImage, b: HWCImage, options?: MetricOptions): number {
  const { o, pa, pb } = preparePair('psnr', a, b, options);
  const peak = o.variant === 'deraining' ? 255 : maxOf(pa) <= 1 ? 1 : 255;
  if (o.yChannel) {
    const ya = pa.planes[0];
    const yb = pb.planes[0];
    const sq = new Float32Array(ya.length);
    for (let i = 0; i < ya.length; i++) {
      const d = f32(ya[i] - yb[i]);
      sq[i] = d * d;
    }
    const mse = f32(numpySumF32(sq) / sq.length);
    if (mse === 0) return Infinity;
    return 20 * Math.log10(peak / f32(Math.sqrt(mse)));
  }
  let sum = 0;
  let count = 0;
  for (let c = 0; c < pa.planes.length; c++) {
    const x = pa.planes[c];
    const y = pb.planes[c];
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - y[i];
      sum += d * d;
    }
    count += x.length;
  }
  const mse = sum / count;
  if (mse === 0) return Infinity;
  return 20 * Math.log10(peak / Math.sqrt(mse));
}
