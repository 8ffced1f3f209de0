import type { Rng } from '../tensor/random.js';
import { DegradeError, type Kernel } from './common.js';

/**
 * Blur kernels for the blind-degradation families (src/degrade/blind): defocus discs,
 * isotropic and anisotropic Gaussians, camera-shake trajectories (random walks, circular
 * arcs) rasterised into kernels, and kernel composition. Every kernel here is odd-sized,
 * centred, non-negative and sums to 1. The linear motion kernel is `lineKernel` (blur.ts).
 */

function normalised(size: number, weights: Float64Array, op: string): Kernel {
  let sum = 0;
  for (const v of weights) sum += v;
  if (!(sum > 0)) throw new DegradeError(op, 'the kernel is empty');
  for (let i = 0; i < weights.length; i++) weights[i] /= sum;
  return { size, weights };
}

/** The radius (size − 1) / 2 of a kernel. */
export function kernelRadius(k: Kernel): number {
  return (k.size - 1) / 2;
}

/**
 * A defocus (out-of-focus, pill-box) disc of `radius` pixels, anti-aliased: each kernel pixel
 * weighs the area of it inside the disc (8 × 8 supersampling). Size 2·ceil(radius) + 1.
 */
export function discKernel(radius: number): Kernel {
  if (!(radius > 0) || !Number.isFinite(radius)) throw new DegradeError('discKernel', `radius must be > 0, got ${radius}`);
  const r = Math.ceil(radius - 1e-9);
  const size = 2 * r + 1;
  const S = 8;
  const w = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
    let inside = 0;
    for (let a = 0; a < S; a++) for (let b = 0; b < S; b++) {
      const y = i - r - 0.5 + (a + 0.5) / S;
      const x = j - r - 0.5 + (b + 0.5) / S;
      if (x * x + y * y <= radius * radius) inside++;
    }
    w[i * size + j] = inside;
  }
  if (w[r * size + r] === 0) w[r * size + r] = 1;
  return normalised(size, w, 'discKernel');
}

/**
 * A Gaussian kernel with standard deviations `sigmaMajor` along the direction `angle`
 * (degrees, counter-clockwise from the horizontal, y up) and `sigmaMinor` across it
 * (isotropic when they are equal), cut at 3 σ: size 2·ceil(3·sigmaMajor) + 1.
 */
export function gaussianKernel(sigmaMajor: number, sigmaMinor = sigmaMajor, angle = 0): Kernel {
  for (const [n, v] of [['sigmaMajor', sigmaMajor], ['sigmaMinor', sigmaMinor]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new DegradeError('gaussianKernel', `${n} must be > 0, got ${v}`);
  }
  const r = Math.max(1, Math.ceil(3 * Math.max(sigmaMajor, sigmaMinor)));
  const size = 2 * r + 1;
  const th = (angle * Math.PI) / 180;
  const ux = Math.cos(th);
  const uy = -Math.sin(th); // rows grow downwards
  const w = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
    const y = i - r;
    const x = j - r;
    const along = x * ux + y * uy;
    const across = -x * uy + y * ux;
    w[i * size + j] = Math.exp(-0.5 * ((along / sigmaMajor) ** 2 + (across / sigmaMinor) ** 2));
  }
  return normalised(size, w, 'gaussianKernel');
}

/** The full 2-D convolution of two kernels (size a + b − 1): blurring by it is blurring by a, then by b. */
export function composeKernels(a: Kernel, b: Kernel): Kernel {
  const size = a.size + b.size - 1;
  const w = new Float64Array(size * size);
  for (let i = 0; i < a.size; i++) for (let j = 0; j < a.size; j++) {
    const va = a.weights[i * a.size + j];
    if (va === 0) continue;
    for (let k = 0; k < b.size; k++) for (let l = 0; l < b.size; l++) w[(i + k) * size + j + l] += va * b.weights[k * b.size + l];
  }
  return normalised(size, w, 'composeKernels');
}

/**
 * A camera path as a kernel: the polyline through `points` (x right, y down, pixels) is
 * shifted so its bounding box is centred, walked in steps of ¼ pixel and splatted
 * bilinearly, every segment getting weight in proportion to its time (each of the
 * `points.length − 1` segments lasts the same time, so slow parts of the path weigh more).
 * Size 2·ceil(extent / 2 + 1) + 1, where extent is the larger side of the bounding box.
 */
export function trajectoryKernel(points: readonly (readonly [number, number])[]): Kernel {
  if (points.length < 2) throw new DegradeError('trajectoryKernel', 'a trajectory needs at least 2 points');
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new DegradeError('trajectoryKernel', 'trajectory points must be finite');
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const r = Math.ceil(Math.max(x1 - x0, y1 - y0) / 2 + 1 - 1e-9); // the tolerance: a scaled path's span is its extent up to rounding
  const size = 2 * r + 1;
  const w = new Float64Array(size * size);
  const splat = (x: number, y: number, v: number) => {
    const fx = Math.floor(x);
    const fy = Math.floor(y);
    const ax = x - fx;
    const ay = y - fy;
    const put = (i: number, j: number, p: number) => {
      if (p > 0 && i >= 0 && j >= 0 && i < size && j < size) w[i * size + j] += p;
    };
    put(fy, fx, v * (1 - ax) * (1 - ay));
    put(fy, fx + 1, v * ax * (1 - ay));
    put(fy + 1, fx, v * (1 - ax) * ay);
    put(fy + 1, fx + 1, v * ax * ay);
  };
  for (let s = 0; s + 1 < points.length; s++) {
    const [ax, ay] = points[s];
    const [bx, by] = points[s + 1];
    const n = Math.max(1, Math.ceil(4 * Math.hypot(bx - ax, by - ay)));
    for (let t = 0; t < n; t++) {
      const f = (t + 0.5) / n;
      splat(ax + f * (bx - ax) - cx + r, ay + f * (by - ay) - cy + r, 1 / n);
    }
  }
  return normalised(size, w, 'trajectoryKernel');
}

/** The parameters of a random camera-shake path (see {@link shakeTrajectory}). */
export interface ShakeOptions {
  /** The larger side of the path's bounding box, in pixels (the blur's extent). */
  extent: number;
  /** Points on the path (segments + 1). */
  steps: number;
  /** How much of the velocity carries over per step, in [0, 1): high = smooth, low = jittery. */
  inertia: number;
  /** Chance per step of a sudden jerk (a velocity kick 3× the usual). */
  jerk: number;
}

/**
 * A random camera-shake path, in the manner of Boracchi & Foi (2012) and DeblurGAN's
 * trajectories: a 2-D random walk whose velocity keeps `inertia` of itself each step and
 * gets a Gaussian kick (sometimes a jerk 3× as large), plus a weak pull back to the start
 * (a hand holding a camera drifts but returns). The path is then scaled so the larger side
 * of its bounding box is `extent` pixels. Returns the points (x right, y down).
 */
export function shakeTrajectory(o: ShakeOptions, rng: Rng): [number, number][] {
  if (!(o.extent > 0)) throw new DegradeError('shakeTrajectory', `extent must be > 0, got ${o.extent}`);
  if (!Number.isInteger(o.steps) || o.steps < 2) throw new DegradeError('shakeTrajectory', `steps must be an integer ≥ 2, got ${o.steps}`);
  if (!(o.inertia >= 0 && o.inertia < 1)) throw new DegradeError('shakeTrajectory', `inertia must be in [0, 1), got ${o.inertia}`);
  const th = 2 * Math.PI * rng.uniform();
  let vx = Math.cos(th);
  let vy = Math.sin(th);
  let x = 0;
  let y = 0;
  const pts: [number, number][] = [[0, 0]];
  const kick = Math.sqrt(1 - o.inertia * o.inertia);
  for (let s = 1; s < o.steps; s++) {
    const k = rng.uniform() < o.jerk ? 3 * kick : kick;
    vx = o.inertia * vx + k * rng.normal() - 0.02 * x;
    vy = o.inertia * vy + k * rng.normal() - 0.02 * y;
    x += vx;
    y += vy;
    pts.push([x, y]);
  }
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [px, py] of pts) {
    x0 = Math.min(x0, px);
    x1 = Math.max(x1, px);
    y0 = Math.min(y0, py);
    y1 = Math.max(y1, py);
  }
  const span = Math.max(x1 - x0, y1 - y0, 1e-9);
  const f = o.extent / span;
  return pts.map(([px, py]) => [(px - x0) * f, (py - y0) * f]);
}

/**
 * A circular arc of `length` pixels that turns through `turn` degrees, starting in direction
 * `direction` (degrees, counter-clockwise from the horizontal, y up), as `points` points —
 * smooth curved motion (a camera rotating as it pans). `turn` 0 is a straight line.
 */
export function arcTrajectory(length: number, turn: number, direction: number, points = 64): [number, number][] {
  if (!(length > 0)) throw new DegradeError('arcTrajectory', `length must be > 0, got ${length}`);
  const th0 = (direction * Math.PI) / 180;
  const dth = (turn * Math.PI) / 180;
  const pts: [number, number][] = [];
  let x = 0;
  let y = 0;
  const ds = length / (points - 1);
  pts.push([0, 0]);
  for (let i = 1; i < points; i++) {
    const th = th0 + (dth * (i - 0.5)) / (points - 1);
    x += ds * Math.cos(th);
    y -= ds * Math.sin(th);
    pts.push([x, y]);
  }
  return pts;
}
