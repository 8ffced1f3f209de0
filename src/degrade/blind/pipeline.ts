import type { Rng } from '../../tensor/random.js';
import { quantize } from '../../io/image.js';
import { DegradeError, type Planar } from '../common.js';
import { checkMix, drawFamily, type Degradation, type Family, type Mix } from './family.js';

/** How a blind-degradation sample is drawn: a mix, a share of clean samples, 8-bit output. */
export interface BlindOptions {
  mix: Mix;
  /** Share of samples left clean (input = target), so a model learns to leave clean photos alone. */
  cleanFraction: number;
  /** Clip to [0, 1] and round to 1/255 steps, as an 8-bit file would store the degraded image. */
  asUint8: boolean;
}

export const CLEAN = 'clean';

export function checkBlindOptions(o: BlindOptions, where = 'blind degradation'): void {
  checkMix(o.mix, where);
  if (!(o.cleanFraction >= 0 && o.cleanFraction < 1)) throw new DegradeError(where, `clean fraction must be in [0, 1), got ${o.cleanFraction}`);
}

/** The largest margin of a mix's families (the context a crop needs whatever is drawn). */
export function mixMargin(mix: Mix): number {
  return Math.max(0, ...mix.filter((m) => m.weight > 0).map((m) => m.family.margin));
}

/**
 * The first draws of a sample: clean or not (always one uniform, so the family draws do not
 * shift with the clean fraction), then which family. null = clean.
 */
export function pickFamily(o: BlindOptions, rng: Rng): Family | null {
  const clean = rng.uniform() < o.cleanFraction;
  return clean ? null : drawFamily(o.mix, rng);
}

/** Applies a picked family (or none) and the 8-bit rounding; a clean sample is the image itself, untouched. */
export function applyFamily<T extends Planar>(img: T, family: Family | null, asUint8: boolean, rng: Rng): Degradation<T> {
  if (family === null) return { image: { ...img, data: Float32Array.from(img.data) }, family: CLEAN, params: {} };
  const r = family.sample(img, rng);
  if (asUint8) {
    const d = r.image.data;
    for (let i = 0; i < d.length; i++) d[i] = quantize(d[i], 255, family.name) / 255;
  }
  return r;
}

/**
 * One blind degradation of `img`: clean with probability `cleanFraction`, else a family drawn
 * from the mix by weight, with fresh parameters, then (asUint8) 8-bit rounding.
 *
 * @example blindDegrade(img, { mix: presetMix('derain'), cleanFraction: 0.05, asUint8: true }, new Rng(1))
 */
export function blindDegrade<T extends Planar>(img: T, o: BlindOptions, rng: Rng): Degradation<T> {
  return applyFamily(img, pickFamily(o, rng), o.asUint8, rng);
}
