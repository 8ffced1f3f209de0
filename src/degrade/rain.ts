import type { Rng } from '../tensor/random.js';
import { lineKernel } from './blur.js';
import { checkImage, convolve, DegradeError, draw, type Planar, type Param } from './common.js';

export interface RainOptions {
  /** Fraction of pixels that seed a streak. Default: drawn from [0.002, 0.01]. */
  density?: Param;
  /** Degrees from vertical; positive leans the top of a streak to the right. Default: drawn from [-20, 20]. */
  angle?: Param;
  /** Streak length in pixels. Default: drawn from [10, 40]. */
  length?: Param;
  /** Streak thickness in pixels. Default 1. */
  width?: Param;
  /** Peak streak intensity in [0, 1]. Default: drawn from [0.6, 0.9]. */
  brightness?: Param;
}

/** The drawn parameter values, for reporting. */
export interface RainParams {
  density: number;
  angle: number;
  length: number;
  width: number;
  brightness: number;
}

/**
 * The rain layer alone: an h × w map in [0, 1]. Seeds (a `density` fraction of pixels, each
 * with a random strength in [0.5, 1]) are smeared along the streak direction with an
 * anti-aliased line of `length` × `width` whose peak weight is 1, summed, clipped to 1 and
 * scaled by `brightness`.
 */
export function rainLayer(height: number, width: number, options: RainOptions, rng: Rng): { layer: Float32Array; params: RainParams } {
  const params: RainParams = {
    density: draw('rainStreaks', 'density', options.density ?? [0.002, 0.01], rng),
    angle: draw('rainStreaks', 'angle', options.angle ?? [-20, 20], rng),
    length: draw('rainStreaks', 'length', options.length ?? [10, 40], rng),
    width: draw('rainStreaks', 'width', options.width ?? 1, rng),
    brightness: draw('rainStreaks', 'brightness', options.brightness ?? [0.6, 0.9], rng),
  };
  if (params.density < 0 || params.density > 1) throw new DegradeError('rainStreaks', `density must be in [0, 1], got ${params.density}`);
  if (params.brightness < 0 || params.brightness > 1) throw new DegradeError('rainStreaks', `brightness must be in [0, 1], got ${params.brightness}`);
  const seeds = new Float32Array(height * width);
  for (let i = 0; i < seeds.length; i++) {
    const u = rng.uniform();
    const strength = 0.5 + 0.5 * rng.uniform();
    if (u < params.density) seeds[i] = strength;
  }
  // lineKernel's angle is from the horizontal, counter-clockwise
  const k = lineKernel(params.length, 90 - params.angle, { width: params.width, normalise: false });
  let peak = 0;
  for (const v of k.weights) peak = Math.max(peak, v);
  for (let i = 0; i < k.weights.length; i++) k.weights[i] /= peak;
  const smeared = convolve({ data: seeds, width, height, channels: 1 }, k);
  const layer = new Float32Array(smeared.length);
  for (let i = 0; i < layer.length; i++) layer[i] = Math.min(1, smeared[i]) * params.brightness;
  return { layer, params };
}

/**
 * Synthetic rain streaks: a {@link rainLayer} screen-blended onto every channel
 * (out = 1 − (1 − x)(1 − rain)), which only brightens and stays within [0, 1].
 * Returns a new image; other fields are carried over.
 *
 * @example rainStreaks(img, { density: 0.005, angle: 10, length: 25, width: 1, brightness: 0.8 }, rng)
 */
export function rainStreaks<T extends Planar>(img: T, options: RainOptions, rng: Rng): T {
  checkImage('rainStreaks', img);
  const { width: w, height: h, channels } = img;
  const { layer } = rainLayer(h, w, options, rng);
  const n = w * h;
  const out = new Float32Array(img.data.length);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) {
      const x = img.data[c * n + i];
      out[c * n + i] = 1 - (1 - x) * (1 - layer[i]);
    }
  }
  return { ...img, data: out };
}
