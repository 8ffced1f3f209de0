import type { Rng } from '../tensor/random.js';
import { checkImage, convolve, DegradeError, draw, type Planar, type Kernel, type Param } from './common.js';

/**
 * An anti-aliased line kernel: a segment of `length` pixels through the centre at `angle`
 * degrees (0 = horizontal, counter-clockwise with y pointing up), `width` pixels thick
 * (default 1). Each kernel pixel gets the area of the pixel the thick segment covers
 * (4×4 supersampling); `normalise` (default true) makes the weights sum to 1.
 */
export function lineKernel(length: number, angle: number, options: { width?: number; normalise?: boolean } = {}): Kernel {
  if (!(length > 0) || !Number.isFinite(length)) throw new DegradeError('lineKernel', `length must be > 0, got ${length}`);
  const width = options.width ?? 1;
  if (!(width > 0) || !Number.isFinite(width)) throw new DegradeError('lineKernel', `width must be > 0, got ${width}`);
  const size = 2 * Math.ceil((length + width) / 2) + 1;
  const r = (size - 1) / 2;
  const th = (angle * Math.PI) / 180;
  const ux = Math.cos(th);
  const uy = -Math.sin(th); // image rows grow downwards
  const half = length / 2;
  const hw = width / 2;
  const S = 4;
  const weights = new Float64Array(size * size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let cover = 0;
      for (let a = 0; a < S; a++) {
        for (let b = 0; b < S; b++) {
          const py = i - r - 0.5 + (a + 0.5) / S;
          const px = j - r - 0.5 + (b + 0.5) / S;
          const along = px * ux + py * uy;
          const across = -px * uy + py * ux;
          if (Math.abs(along) <= half && Math.abs(across) <= hw) cover++;
        }
      }
      weights[i * size + j] = cover / (S * S);
      sum += weights[i * size + j];
    }
  }
  if (sum === 0) weights[r * size + r] = sum = 1;
  if (options.normalise ?? true) for (let i = 0; i < weights.length; i++) weights[i] /= sum;
  return { size, weights };
}

export interface MotionBlurOptions {
  /** Blur length in pixels. Default: drawn from [7, 31]. */
  length?: Param;
  /** Direction in degrees (0 = horizontal, counter-clockwise). Default: drawn from [0, 180). */
  angle?: Param;
}

/** A random (or fixed) linear motion kernel, normalised to sum 1. */
export function motionKernel(options: MotionBlurOptions, rng: Rng): Kernel & { length: number; angle: number } {
  const length = draw('motionBlur', 'length', options.length ?? [7, 31], rng);
  const angle = draw('motionBlur', 'angle', options.angle ?? [0, 180], rng);
  return { ...lineKernel(length, angle), length, angle };
}

/**
 * Linear motion blur: convolves every channel with an anti-aliased, normalised line kernel
 * of the given (or randomly drawn) length and angle, replicate border. A flat image stays
 * flat. Returns a new image; other fields are carried over.
 *
 * @example motionBlur(img, { length: 15, angle: 30 }, rng)  // or motionBlur(img, {}, rng) for a random kernel
 */
export function motionBlur<T extends Planar>(img: T, options: MotionBlurOptions, rng: Rng): T {
  checkImage('motionBlur', img);
  return { ...img, data: convolve(img, motionKernel(options, rng)) };
}
