import { toUint8HWC } from '../io/pixels.js';
import type { Planar } from '../io/planar.js';
import type { MetricOptions } from './options.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';

export interface ImageScores {
  psnr: number;
  ssim: number;
}

/** PSNR of a float planar image in [0, 1] against another, on the 8-bit values both would be saved as. */
export function psnrOfImages(a: Planar, b: Planar, options?: MetricOptions): number {
  return psnr(toUint8HWC(a), toUint8HWC(b), options);
}

/** PSNR and SSIM of a float planar image in [0, 1] against another, on the 8-bit values both would be saved as. */
export function scoreImages(a: Planar, b: Planar, options?: MetricOptions): ImageScores {
  const x = toUint8HWC(a);
  const y = toUint8HWC(b);
  return { psnr: psnr(x, y, options), ssim: ssim(x, y, options) };
}

/** The mean scores of a list of images (NaN for an empty list). */
export function meanScores(rows: readonly ImageScores[]): ImageScores {
  const n = rows.length;
  return { psnr: rows.reduce((s, r) => s + r.psnr, 0) / n, ssim: rows.reduce((s, r) => s + r.ssim, 0) / n };
}
