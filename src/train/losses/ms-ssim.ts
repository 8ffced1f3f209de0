import { Tensor } from '../../tensor/tensor.js';
import { TensorError } from '../../tensor/errors.js';
import * as F from '../../tensor/ops/index.js';

export interface MsSsimOptions {
  /**
   * The dynamic range used in C1 = (0.01·maxVal)², C2 = (0.03·maxVal)². The authors keep the
   * default 255 even though the fine stage feeds [−1, 1] images (their quirk, our default);
   * 2 is the corrected value for [−1, 1] data.
   */
  maxVal?: number;
  levels?: number;
  /**
   * A negative contrast term raised to a fractional power is NaN. 'clamp' floors each level's
   * cs (and the last ssim) at a tiny positive value before the power; 'none' reproduces the
   * original, NaN included.
   */
  nanGuard?: 'clamp' | 'none';
}

const WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/** The official Gaussian window: σ = 1.5·size/11, centre size//2, normalised in float32. */
function gaussianWindow(size: number, channels: number): Tensor {
  const sigma = (1.5 * size) / 11;
  const g = new Float32Array(size);
  for (let i = 0; i < size; i++) g[i] = Math.exp(-((i - Math.floor(size / 2)) ** 2) / (2 * sigma * sigma));
  let s = 0;
  for (const v of g) s = Math.fround(s + v);
  for (let i = 0; i < size; i++) g[i] = g[i] / s;
  const w = new Float32Array(channels * size * size);
  for (let c = 0; c < channels; c++) for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) w[(c * size + i) * size + j] = g[i] * g[j];
  return new Tensor(w, [channels, 1, size, size]);
}

/**
 * The authors' MS-SSIM (models/losses/losses.py): 5 levels, window min(11, H, W) with zero
 * 'same' padding, means over the whole batch, 2×2 average pooling after every level (so
 * min(H, W) ≥ 2^levels). Differentiable in both images.
 */
export function msSsim(img1: Tensor, img2: Tensor, opts: MsSsimOptions = {}): Tensor {
  const maxVal = opts.maxVal ?? 255;
  const levels = opts.levels ?? 5;
  if (img1.ndim !== 4 || img1.shape.some((s, i) => s !== img2.shape[i])) throw new TensorError('msSsim', 'images must be NCHW of the same shape', [img1.shape, img2.shape]);
  const minSide = Math.min(img1.shape[2], img1.shape[3]);
  if (minSide < 2 ** levels) throw new TensorError('msSsim', `images must be at least ${2 ** levels} pixels on each side for ${levels} levels`, [img1.shape]);
  if (levels > WEIGHTS.length) throw new TensorError('msSsim', `at most ${WEIGHTS.length} levels`);
  const c1 = (0.01 * maxVal) ** 2;
  const c2 = (0.03 * maxVal) ** 2;
  const ch = img1.shape[1];
  let a = img1;
  let b = img2;
  const css: Tensor[] = [];
  let lastSsim: Tensor | null = null;
  for (let lv = 0; lv < levels; lv++) {
    const size = Math.min(a.shape[2], a.shape[3], 11);
    const win = gaussianWindow(size, ch);
    const pad = Math.floor(size / 2);
    const blur = (x: Tensor) => F.conv2d(x, win, null, { padding: pad, groups: ch });
    const mu1 = blur(a);
    const mu2 = blur(b);
    const mu1Sq = F.mul(mu1, mu1);
    const mu2Sq = F.mul(mu2, mu2);
    const mu12 = F.mul(mu1, mu2);
    const s1 = F.sub(blur(F.mul(a, a)), mu1Sq);
    const s2 = F.sub(blur(F.mul(b, b)), mu2Sq);
    const s12 = F.sub(blur(F.mul(a, b)), mu12);
    const v1 = F.addScalar(F.mulScalar(s12, 2), c2);
    const v2 = F.addScalar(F.add(s1, s2), c2);
    if (lv === levels - 1) {
      const num = F.mul(F.addScalar(F.mulScalar(mu12, 2), c1), v1);
      const den = F.mul(F.addScalar(F.add(mu1Sq, mu2Sq), c1), v2);
      lastSsim = F.mean(F.div(num, den));
    } else {
      css.push(F.mean(F.div(v1, v2)));
    }
    a = F.avgPool2d(a);
    b = F.avgPool2d(b);
  }
  const guard = (t: Tensor) => (opts.nanGuard === 'clamp' ? F.clamp(t, 1e-8) : t);
  let value = F.pow(guard(lastSsim!), WEIGHTS[levels - 1]);
  for (let i = 0; i < levels - 1; i++) value = F.mul(value, F.pow(guard(css[i]), WEIGHTS[i]));
  return value;
}
