import type { DFT } from '../model/dft.js';
import type { NoiseSchedule } from '../diffusion/schedule.js';
import { restorePlanar } from '../restore/restorer.js';
import { psnrOfImages } from '../metrics/index.js';
import type { Planar } from '../io/planar.js';

/**
 * Restores one validation image in [0, 1] exactly as `diff-mamba restore --seed 0` (and
 * restoreImage) would, with the run's schedule and sampling steps: one restoration path, so a
 * validation PSNR is what a user of the saved weights gets.
 */
export function sampleImage(model: DFT, schedule: NoiseSchedule, lq: Planar, opts: { steps: number; eta: number; seed: number }): Promise<Float32Array> {
  return restorePlanar(model, lq, { steps: opts.steps, eta: opts.eta, seed: opts.seed, schedule });
}

/** PSNR (the authors' validation variant) of a restored CHW image against its target, on 8-bit values. */
export function psnrOf(restored: Float32Array, gt: Planar, opts: { yChannel: boolean; cropBorder: number }): number {
  return psnrOfImages({ ...gt, data: restored }, gt, { variant: 'basicsr', yChannel: opts.yChannel, cropBorder: opts.cropBorder });
}
