import type { Rng } from '../../tensor/random.js';
import { convolve } from '../common.js';
import { jpegRoundTrip, type ChromaSubsampling } from '../jpeg.js';
import { gaussianKernel } from '../kernels.js';
import { chainFamilies, defineFamily, round4, type Family } from './family.js';

/**
 * Noise families. σ values are on the 0–255 scale (σ 25 is the usual "σ 25" setting); every
 * family clips to [0, 1]; 8-bit rounding is the pipeline's (`as_uint8`), except JPEG, whose
 * output is 8-bit by nature.
 */

/** A Poisson deviate: Knuth's product of uniforms below λ 30, a rounded normal above (where Poisson is near-Gaussian). */
export function poisson(lambda: number, rng: Rng): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const L = Math.exp(-lambda);
    let k = 0;
    let p = rng.uniform();
    while (p > L) {
      k++;
      p *= rng.uniform();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
}

/** White Gaussian noise, independent per pixel and channel (colour noise). */
export const gaussianRgb: Family = defineFamily({
  name: 'gaussian-rgb',
  task: 'noise',
  summary: 'white Gaussian noise, independent per pixel and channel (colour noise)',
  ranges: { sigma: { kind: 'uniform', range: [0, 50], unit: '0–255', doc: 'standard deviation, drawn per image' } },
  margin: () => 0,
  apply(img, d) {
    const sigma = d.num('sigma');
    const s = sigma / 255;
    const out = Float32Array.from(img.data);
    for (let i = 0; i < out.length; i++) out[i] += s * d.rng.normal();
    return { data: out, params: { sigma: round4(sigma) } };
  },
});

/** The same noise value on every channel of a pixel: luminance noise only (R, G, B move together, chroma is untouched). */
export const gaussianGray: Family = defineFamily({
  name: 'gaussian-gray',
  task: 'noise',
  summary: 'white Gaussian luminance noise: one value per pixel added to every channel, colours unchanged',
  ranges: { sigma: { kind: 'uniform', range: [0, 50], unit: '0–255', doc: 'standard deviation, drawn per image' } },
  margin: () => 0,
  apply(img, d) {
    const sigma = d.num('sigma');
    const s = sigma / 255;
    const n = img.width * img.height;
    const out = Float32Array.from(img.data);
    for (let i = 0; i < n; i++) {
      const v = s * d.rng.normal();
      for (let c = 0; c < img.channels; c++) out[c * n + i] += v;
    }
    return { data: out, params: { sigma: round4(sigma) } };
  },
});

/**
 * Poisson–Gaussian (signal-dependent) sensor noise: photon shot noise, Poisson(x · peak) / peak
 * with peak = (255 / sigma_white)² photons at white, so its standard deviation is sigma_white at
 * value 1 and sigma_white·√x below, plus Gaussian read noise of sigma_read; per channel.
 */
export const poissonGaussian: Family = defineFamily({
  name: 'poisson-gaussian',
  task: 'noise',
  summary: 'signal-dependent sensor noise: Poisson shot noise (stronger in bright areas) plus Gaussian read noise, per channel',
  ranges: {
    sigma_white: { kind: 'uniform', range: [2, 40], unit: '0–255', doc: 'shot-noise standard deviation at white (√x of it at value x)' },
    sigma_read: { kind: 'uniform', range: [0, 10], unit: '0–255', doc: 'signal-independent read noise' },
  },
  margin: () => 0,
  apply(img, d) {
    const sw = d.num('sigma_white');
    const sr = d.num('sigma_read');
    const peak = (255 / sw) ** 2;
    const r = sr / 255;
    const out = new Float32Array(img.data.length);
    for (let i = 0; i < out.length; i++) {
      const x = Math.min(1, Math.max(0, img.data[i]));
      out[i] = poisson(x * peak, d.rng) / peak + r * d.rng.normal();
    }
    return { data: out, params: { sigma_white: round4(sw), sigma_read: round4(sr), peak_photons: round4(peak) } };
  },
});

/** JPEG re-compression at a random quality (src/degrade/jpeg.ts: a TypeScript JPEG, checked against sharp's). */
export const jpeg: Family = defineFamily({
  name: 'jpeg',
  task: 'noise',
  summary: 'JPEG re-compression at a random quality: blocking, ringing, smeared colour',
  ranges: {
    quality: { kind: 'int', range: [30, 95], unit: 'IJG quality', doc: 'libjpeg / sharp quality, drawn per image' },
    subsampling: { kind: 'choice', values: ['4:2:0', '4:4:4'], doc: 'chroma subsampling' },
  },
  margin: () => 0,
  apply(img, d) {
    const quality = d.num('quality');
    const subsampling = d.str('subsampling') as ChromaSubsampling;
    return { data: jpegRoundTrip(img, { quality, subsampling }).data, params: { quality, subsampling } };
  },
});

/** Gaussian noise then JPEG, as a camera that saves noisy pictures compressed. */
export const gaussianJpeg: Family = chainFamilies('gaussian-jpeg', 'Gaussian colour noise, then JPEG re-compression (a noisy picture saved as JPEG)', [
  gaussianRgb.with('gaussian-rgb', { sigma: { kind: 'uniform', range: [0, 30], unit: '0–255', doc: 'standard deviation, drawn per image' } }),
  jpeg.with('jpeg', { quality: { kind: 'int', range: [50, 95], unit: 'IJG quality', doc: 'libjpeg / sharp quality, drawn per image' } }),
]);

// ---------------------------------------------------------------- held out (never in training)

/**
 * Spatially and cross-channel correlated Gaussian noise (what demosaicing and in-camera
 * processing make of sensor noise): white noise per channel, mixed with a shared component
 * (`channel_correlation`), low-passed by a Gaussian of `grain` pixels and rescaled so each
 * value's standard deviation is `sigma`.
 */
export const correlatedGaussian: Family = defineFamily({
  name: 'correlated-gaussian',
  task: 'noise',
  summary: 'spatially and cross-channel correlated Gaussian noise (coarse-grained, as after demosaicing)',
  ranges: {
    sigma: { kind: 'uniform', range: [5, 40], unit: '0–255', doc: 'standard deviation of each value' },
    grain: { kind: 'uniform', range: [0.5, 1.5], unit: 'px', doc: 'std of the Gaussian the noise is low-passed by (grain size)' },
    channel_correlation: { kind: 'uniform', range: [0, 0.8], unit: '', doc: 'share of the noise variance common to all channels' },
  },
  margin: () => 0,
  apply(img, d) {
    const sigma = d.num('sigma');
    const grain = d.num('grain');
    const rho = d.num('channel_correlation');
    const { width: w, height: h, channels } = img;
    const n = w * h;
    const shared = new Float32Array(n);
    for (let i = 0; i < n; i++) shared[i] = d.rng.normal();
    const field = new Float32Array(img.data.length);
    const a = Math.sqrt(1 - rho);
    const b = Math.sqrt(rho);
    for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) field[c * n + i] = a * d.rng.normal() + b * shared[i];
    const k = gaussianKernel(grain);
    let e = 0;
    for (const v of k.weights) e += v * v;
    const low = convolve({ data: field, width: w, height: h, channels }, k);
    const s = sigma / 255 / Math.sqrt(e);
    const out = Float32Array.from(img.data);
    for (let i = 0; i < out.length; i++) out[i] += s * low[i];
    return { data: out, params: { sigma: round4(sigma), grain: round4(grain), channel_correlation: round4(rho) } };
  },
});

/** Multiplicative (speckle) noise: x · (1 + s·n), a signal-dependent law other than Poisson's. */
export const speckle: Family = defineFamily({
  name: 'speckle',
  task: 'noise',
  summary: 'multiplicative (speckle) noise: x·(1 + s·n), standard deviation proportional to the value',
  ranges: { s: { kind: 'uniform', range: [0.05, 0.3], unit: 'relative', doc: 'noise standard deviation as a fraction of the value' } },
  margin: () => 0,
  apply(img, d) {
    const s = d.num('s');
    const out = Float32Array.from(img.data, (x) => x * (1 + s * d.rng.normal()));
    return { data: out, params: { s: round4(s) } };
  },
});

/** Poisson–Gaussian noise, then JPEG: both steps are in training, this combination is not. */
export const poissonGaussianJpeg: Family = chainFamilies('poisson-gaussian-jpeg', 'Poisson–Gaussian sensor noise, then JPEG re-compression (a combination training never draws)', [
  poissonGaussian,
  jpeg.with('jpeg', { quality: { kind: 'int', range: [40, 90], unit: 'IJG quality', doc: 'libjpeg / sharp quality, drawn per image' } }),
]);
