import { lineKernel } from '../blur.js';
import { convolve, type Kernel } from '../common.js';
import { arcTrajectory, composeKernels, discKernel, gaussianKernel, shakeTrajectory, trajectoryKernel } from '../kernels.js';
import { defineFamily, rangeHi, round4, type Drawer, type Family, type Params, type ParamSpec, type Ranges } from './family.js';

/**
 * Blur families: every one convolves each channel with a normalised kernel (replicate
 * border), then adds slight Gaussian noise (`noise`, 0–255 scale) as a real sensor would;
 * 8-bit rounding is the pipeline's (`as_uint8`). The margin of each is the largest kernel
 * radius its ranges allow.
 */

const NOISE: ParamSpec = { kind: 'uniform', range: [0, 2], unit: '0–255', doc: 'slight Gaussian noise added after the blur' };

/** lineKernel's radius for a length (width 1). */
const lineRadius = (length: number) => Math.ceil((length + 1) / 2);

function blurFamily(name: string, summary: string, ranges: Ranges, margin: (r: Ranges) => number, kernel: (d: Drawer) => { kernel: Kernel; params: Params }): Family {
  return defineFamily({
    name,
    task: 'blur',
    summary,
    ranges: { ...ranges, noise: NOISE },
    margin,
    apply(img, d) {
      const k = kernel(d);
      const noise = d.num('noise');
      const out = convolve(img, k.kernel);
      if (noise > 0) for (let i = 0; i < out.length; i++) out[i] += (noise / 255) * d.rng.normal();
      return { data: out, params: { ...k.params, noise: round4(noise), kernel_size: k.kernel.size }, kernel: k.kernel };
    },
  });
}

/** Linear (straight, constant-speed) motion of random length and direction. */
export const linearMotion: Family = blurFamily(
  'linear-motion',
  'linear camera or object motion: an anti-aliased line kernel of random length and direction',
  {
    length: { kind: 'uniform', range: [3, 35], unit: 'px', doc: 'motion length' },
    angle: { kind: 'uniform', range: [0, 180], unit: '°', doc: 'direction, counter-clockwise from the horizontal' },
  },
  (r) => lineRadius(rangeHi(r, 'length')),
  (d) => {
    const length = d.num('length');
    const angle = d.num('angle');
    return { kernel: lineKernel(length, angle), params: { length: round4(length), angle: round4(angle) } };
  },
);

/** Hand-held camera shake: a random-walk trajectory rasterised into a kernel. */
export const cameraShake: Family = blurFamily(
  'camera-shake',
  'non-linear camera shake: a random-walk trajectory with inertia and occasional jerks, rasterised into a kernel',
  {
    extent: { kind: 'uniform', range: [5, 35], unit: 'px', doc: 'larger side of the path’s bounding box' },
    steps: { kind: 'int', range: [24, 96], unit: '', doc: 'points on the path' },
    inertia: { kind: 'uniform', range: [0.6, 0.95], unit: '', doc: 'velocity kept per step (high = smooth curves, low = jittery)' },
    jerk: { kind: 'uniform', range: [0, 0.1], unit: '/ step', doc: 'chance per step of a sudden jerk' },
  },
  (r) => Math.ceil(rangeHi(r, 'extent') / 2 + 1),
  (d) => {
    const extent = d.num('extent');
    const steps = d.num('steps');
    const inertia = d.num('inertia');
    const jerk = d.num('jerk');
    const path = shakeTrajectory({ extent, steps, inertia, jerk }, d.rng);
    return {
      kernel: trajectoryKernel(path),
      params: { extent: round4(extent), steps, inertia: round4(inertia), jerk: round4(jerk), trajectory: path.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]) },
    };
  },
);

/** Out-of-focus blur: a pill-box disc. */
export const defocus: Family = blurFamily(
  'defocus',
  'defocus: an anti-aliased disc (pill-box) kernel',
  { radius: { kind: 'uniform', range: [1, 8], unit: 'px', doc: 'disc radius' } },
  (r) => Math.ceil(rangeHi(r, 'radius')),
  (d) => {
    const radius = d.num('radius');
    return { kernel: discKernel(radius), params: { radius: round4(radius) } };
  },
);

/** Isotropic Gaussian blur (lens softness, atmospheric blur). */
export const gaussianIso: Family = blurFamily(
  'gaussian',
  'isotropic Gaussian blur',
  { sigma: { kind: 'uniform', range: [0.5, 4], unit: 'px', doc: 'standard deviation' } },
  (r) => Math.max(1, Math.ceil(3 * rangeHi(r, 'sigma'))),
  (d) => {
    const sigma = d.num('sigma');
    return { kernel: gaussianKernel(sigma), params: { sigma: round4(sigma) } };
  },
);

/** Anisotropic Gaussian blur: elliptical, at a random orientation. */
export const gaussianAniso: Family = blurFamily(
  'gaussian-aniso',
  'anisotropic Gaussian blur: an elliptical Gaussian at a random orientation',
  {
    sigma_major: { kind: 'uniform', range: [0.8, 5], unit: 'px', doc: 'standard deviation along the major axis' },
    ratio: { kind: 'uniform', range: [0.2, 0.9], unit: '', doc: 'minor / major standard deviation' },
    angle: { kind: 'uniform', range: [0, 180], unit: '°', doc: 'major-axis direction, counter-clockwise from the horizontal' },
  },
  (r) => Math.max(1, Math.ceil(3 * rangeHi(r, 'sigma_major'))),
  (d) => {
    const major = d.num('sigma_major');
    const ratio = d.num('ratio');
    const angle = d.num('angle');
    return { kernel: gaussianKernel(major, major * ratio, angle), params: { sigma_major: round4(major), sigma_minor: round4(major * ratio), angle: round4(angle) } };
  },
);

// ---------------------------------------------------------------- held out (never in training)

/** Smooth curved motion: a circular arc (a camera rotating while it pans). */
export const arcMotion: Family = blurFamily(
  'arc-motion',
  'curved motion: a circular-arc trajectory (smooth, unlike the random walk; curved, unlike the line)',
  {
    length: { kind: 'uniform', range: [5, 35], unit: 'px', doc: 'arc length' },
    turn: { kind: 'uniform', range: [45, 180], unit: '°', doc: 'total turn of the direction along the arc, clockwise or not with equal odds' },
    direction: { kind: 'uniform', range: [0, 360], unit: '°', doc: 'starting direction' },
  },
  (r) => Math.ceil(rangeHi(r, 'length') / 2 + 1),
  (d) => {
    const length = d.num('length');
    const turn = d.num('turn');
    const clockwise = d.rng.uniform() < 0.5;
    const direction = d.num('direction');
    return { kernel: trajectoryKernel(arcTrajectory(length, clockwise ? -turn : turn, direction)), params: { length: round4(length), turn: round4(turn), clockwise, direction: round4(direction) } };
  },
);

/** Linear motion of an out-of-focus scene: a line kernel convolved with a disc. */
export const motionDefocus: Family = blurFamily(
  'motion-defocus',
  'linear motion and defocus together: a line kernel convolved with a disc',
  {
    length: { kind: 'uniform', range: [5, 25], unit: 'px', doc: 'motion length' },
    angle: { kind: 'uniform', range: [0, 180], unit: '°', doc: 'motion direction' },
    radius: { kind: 'uniform', range: [1, 4], unit: 'px', doc: 'disc radius' },
  },
  (r) => lineRadius(rangeHi(r, 'length')) + Math.ceil(rangeHi(r, 'radius')),
  (d) => {
    const length = d.num('length');
    const angle = d.num('angle');
    const radius = d.num('radius');
    return { kernel: composeKernels(lineKernel(length, angle), discKernel(radius)), params: { length: round4(length), angle: round4(angle), radius: round4(radius) } };
  },
);
