import type { Rng } from '../../tensor/random.js';
import { motionKernel } from '../../degrade/blur.js';
import { convolve } from '../../degrade/common.js';
import { quantize } from '../../io/image.js';
import { crop, type Planar } from '../../io/planar.js';
import { trainPairTransform } from './augment.js';

/**
 * `Dataset_MotionBlur` (ours, in the manner of Restormer's `Dataset_GaussianDenoising`): every
 * training crop gets a fresh random linear motion kernel, as `degrade --type blur` draws one per
 * photo, so a run sees a new kernel per crop instead of the few fixed per photo in a pair folder.
 */
export interface MotionBlurTrainOptions {
  /** Kernel length in pixels, drawn uniformly from [lo, hi] per crop (`degrade --length`). */
  length: readonly [number, number];
  /** Direction in degrees, drawn uniformly from [lo, hi] per crop (`degrade --angle`). */
  angle: readonly [number, number];
  /** Clip the blurred crop to [0, 1] and round it to 1/255 steps as an 8-bit PNG of `degrade` stores it. */
  blurredAsUint8: boolean;
}

/** The widest kernel's radius: the margin a crop needs so that its blur never sees a border. */
export function blurMargin(o: Pick<MotionBlurTrainOptions, 'length'>): number {
  // lineKernel's size for length L and width 1 is 2·ceil((L + 1) / 2) + 1
  return Math.ceil((o.length[1] + 1) / 2);
}

/**
 * One training pair from a clean image: a random crop of `patchSize` plus a margin, the
 * geometric augmentation, then the blur, after which the margin is cut off both images, so the
 * input is what blurring the whole photo would give there (no replicate-border artefacts
 * inside the crop, unless the photo itself is smaller than the crop and was reflect-padded).
 */
export function motionBlurTrainPair(clean: Planar, o: MotionBlurTrainOptions, t: { patchSize: number; geometricAugs: boolean }, rng: Rng, where?: string): [Planar, Planar] {
  const m = blurMargin(o);
  const big = t.patchSize + 2 * m;
  const [, patch] = trainPairTransform(clean, clean, { patchSize: big, geometricAugs: t.geometricAugs }, rng, where);
  const k = motionKernel({ length: o.length, angle: o.angle }, rng);
  const blurred = { ...patch, data: convolve(patch, k) };
  if (o.blurredAsUint8) {
    const d = blurred.data;
    for (let i = 0; i < d.length; i++) d[i] = quantize(d[i], 255, where ?? 'motion blur') / 255;
  }
  return [crop(blurred, m, m, t.patchSize, t.patchSize), crop(patch, m, m, t.patchSize, t.patchSize)];
}
