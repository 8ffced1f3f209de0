import type { Rng } from '../../tensor/random.js';
import { makeImage, type ImageCHW } from './image.js';

/**
 * Restormer's `Dataset_GaussianDenoising` noise: σ (in 8-bit units) is `sigma_range` itself
 * ('constant'), uniform in [lo, hi] ('random') or one of the listed values ('choice').
 */
export type SigmaType = 'constant' | 'random' | 'choice';

export interface GaussianNoiseOptions {
  sigmaType: SigmaType;
  /** constant: [σ]; random: [lo, hi]; choice: the values to pick from. */
  sigmaRange: number[];
}

export function drawSigma(o: GaussianNoiseOptions, rng: Rng): number {
  const r = o.sigmaRange;
  if (o.sigmaType === 'constant') return r[0];
  if (o.sigmaType === 'random') return r[0] + (r[1] - r[0]) * rng.uniform();
  return r[rng.int(0, r.length)];
}

/** The image plus N(0, (σ/255)²) noise per value, neither clipped nor quantised (as Restormer). */
export function addGaussianNoise(img: ImageCHW, sigma: number, rng: Rng): ImageCHW {
  const out = makeImage(img.channels, img.height, img.width);
  rng.fillNormal(out.data, sigma / 255);
  for (let i = 0; i < out.data.length; i++) out.data[i] += img.data[i];
  return out;
}
