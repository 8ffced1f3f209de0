import type { Rng } from '../tensor/random.js';

import type { Planar } from '../io/planar.js';

export type { Planar };

/** A fixed value, or a [lo, hi] range drawn uniformly from the generator per call. */
export type Param = number | readonly [number, number];

/** A refused degradation; `op` names the function that refused it, the message speaks of its options. */
export class DegradeError extends Error {
  constructor(readonly op: string, message: string) {
    super(message);
    this.name = 'DegradeError';
  }
}

export function draw(op: string, name: string, p: Param, rng: Rng): number {
  if (typeof p === 'number') {
    if (!Number.isFinite(p)) throw new DegradeError(op, `${name} must be finite, got ${p}`);
    return p;
  }
  const [lo, hi] = p;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) throw new DegradeError(op, `${name} range must be [lo, hi] with lo <= hi, got [${lo}, ${hi}]`);
  return lo + (hi - lo) * rng.uniform();
}

export function checkImage(op: string, img: Planar): void {
  const { width, height, channels, data } = img;
  if (![width, height, channels].every((v) => Number.isInteger(v) && v > 0)) throw new DegradeError(op, `invalid image size ${channels}x${height}x${width}`);
  if (data.length !== width * height * channels) throw new DegradeError(op, `data holds ${data.length} values, expected ${channels}x${height}x${width}`);
}

/** A 2-D kernel: size × size weights, row-major, centred. */
export interface Kernel {
  size: number;
  weights: Float64Array;
}

/**
 * 2-D convolution of every channel with a centred kernel, replicate border. Only nonzero
 * taps are visited, so long thin (motion) kernels stay cheap.
 */
export function convolve(img: Planar, k: Kernel): Float32Array {
  const { width: w, height: h, channels } = img;
  const r = (k.size - 1) / 2;
  const taps: { dy: number; dx: number; v: number }[] = [];
  // convolution flips the kernel: out(y, x) = Σ k(i, j) · in(y − i + r, x − j + r)
  for (let i = 0; i < k.size; i++) for (let j = 0; j < k.size; j++) {
    const v = k.weights[i * k.size + j];
    if (v !== 0) taps.push({ dy: r - i, dx: r - j, v });
  }
  const out = new Float32Array(img.data.length);
  const acc = new Float64Array(w);
  const xs = new Int32Array(w);
  for (let c = 0; c < channels; c++) {
    const plane = c * w * h;
    for (let y = 0; y < h; y++) {
      acc.fill(0);
      for (const { dy, dx, v } of taps) {
        const sy = Math.min(h - 1, Math.max(0, y + dy));
        const row = plane + sy * w;
        for (let x = 0; x < w; x++) xs[x] = Math.min(w - 1, Math.max(0, x + dx));
        for (let x = 0; x < w; x++) acc[x] += v * img.data[row + xs[x]];
      }
      out.set(acc, plane + y * w);
    }
  }
  return out;
}
