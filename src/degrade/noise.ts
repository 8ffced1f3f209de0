import type { Rng } from '../tensor/random.js';
import { checkImage, DegradeError, type Planar } from './common.js';

export interface GaussianNoiseOptions {
  /**
   * Clip the noisy image to [0, 1]. Default true: pairs are saved as images, which cannot
   * hold values outside the range (clipping shrinks the noise near black and white).
   */
  clip?: boolean;
}

/**
 * Adds white Gaussian noise of standard deviation `sigma255` on the 0–255 scale (σ = 25 is
 * the usual "σ 25" denoising setting), independently per pixel and channel, drawn in CHW
 * order from `rng`. Returns a new image; alpha and other fields are carried over.
 *
 * @example gaussianNoise(img, 25, new Rng(1))
 */
export function gaussianNoise<T extends Planar>(img: T, sigma255: number, rng: Rng, options: GaussianNoiseOptions = {}): T {
  checkImage('gaussianNoise', img);
  if (!(sigma255 >= 0) || !Number.isFinite(sigma255)) throw new DegradeError('gaussianNoise', `sigma must be a finite number >= 0, got ${sigma255}`);
  const clip = options.clip ?? true;
  const s = sigma255 / 255;
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = img.data[i] + s * rng.normal();
    out[i] = clip ? (v < 0 ? 0 : v > 1 ? 1 : v) : v;
  }
  return { ...img, data: out };
}
