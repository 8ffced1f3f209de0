import type { Rng } from '../../tensor/random.js';
import { gaussianNoise } from '../../degrade/noise.js';
import type { Planar } from '../../io/planar.js';

/**
 * Restormer's `Dataset_GaussianDenoising` noise: σ (in 8-bit units) is `sigma_range` itself
 * ('constant'), uniform in [lo, hi] ('random') or one of the listed values ('choice').
 */
export type SigmaType = 'constant' | 'random' | 'choice';

export interface GaussianNoiseOptions {
  sigmaType: SigmaType;
  /** constant: [σ]; random: [lo, hi]; choice: the values to pick from. */
  sigmaRange: number[];
  /**
   * Clip the noisy image to [0, 1] and round it to 1/255 steps, as a noisy picture saved to an
   * 8-bit file (and as `degrade --type noise` makes its pairs). Not in Restormer; default false.
   */
  noisyAsUint8: boolean;
}

export function drawSigma(o: Pick<GaussianNoiseOptions, 'sigmaType' | 'sigmaRange'>, rng: Rng): number {
  const r = o.sigmaRange;
  if (o.sigmaType === 'constant') return r[0];
  if (o.sigmaType === 'random') return r[0] + (r[1] - r[0]) * rng.uniform();
  return r[rng.int(0, r.length)];
}

/**
 * The image plus N(0, (σ/255)²) noise per value (degrade's `gaussianNoise`): neither clipped nor
 * quantised by default (as Restormer); `asUint8` clips to [0, 1] and rounds to 1/255 steps, as an
 * 8-bit file would.
 */
export function addGaussianNoise(img: Planar, sigma: number, rng: Rng, asUint8 = false): Planar {
  const out = gaussianNoise(img, sigma, rng, { clip: asUint8 });
  if (asUint8) {
    const d = out.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.round(d[i] * 255) / 255;
  }
  return out;
}
