import { Tensor } from '../../tensor/tensor.js';
import * as F from '../../tensor/ops/index.js';
import type { NoiseSchedule } from '../../diffusion/schedule.js';
import { ddimSample, dataTransform, type NoisePredictor } from '../../diffusion/ddim.js';
import { l1Loss } from './l1.js';
import { mseLoss } from './mse.js';
import { msSsim, type MsSsimOptions } from './ms-ssim.js';

const f32 = Math.fround;

/**
 * Stage 1 (coarse): x_t = √ᾱ_t·(2gt−1) + √(1−ᾱ_t)·ε, loss = mean|net(cat[2lq−1, x_t], t) − ε|.
 * lq, gt in [0, 1]; `t` one integer step per batch item.
 */
export function coarseLoss(net: NoisePredictor, schedule: NoiseSchedule, lq: Tensor, gt: Tensor, e: Tensor, t: readonly number[]): { loss: Tensor; xt: Tensor } {
  const n = gt.shape[0];
  const per = gt.size / n;
  const sa = new Float32Array(gt.size);
  const s1a = new Float32Array(gt.size);
  for (let b = 0; b < n; b++) {
    const ab = schedule.alphasCumprod[t[b]];
    sa.fill(f32(Math.sqrt(ab)), b * per, (b + 1) * per);
    s1a.fill(f32(Math.sqrt(f32(1 - ab))), b * per, (b + 1) * per);
  }
  const xt = F.add(F.mul(dataTransform(gt), new Tensor(sa, gt.shape)), F.mul(e, new Tensor(s1a, gt.shape)));
  const pred = net(F.concat([dataTransform(lq), xt], 1), Float32Array.from(t));
  return { loss: l1Loss(pred, e), xt };
}

export interface FineLossOptions {
  steps?: number;
  ssimWeight?: number;
  l1Weight?: number;
  /** weight of mean squared error (not in the authors' loss; default 0) */
  mseWeight?: number;
  msSsim?: MsSsimOptions;
}

/**
 * Stage 2 (fine): the DDIM sampler (η = 0) unrolled from x_T with gradients through every
 * network call; loss = 0.84·(1 − MS-SSIM(x̂, 2gt−1)) + 0.16·L1(x̂, 2gt−1) [+ w·MSE(x̂, 2gt−1)].
 * Only the terms with a non-zero weight are computed (the others are returned as null).
 */
export function fineLoss(net: NoisePredictor, schedule: NoiseSchedule, lq: Tensor, gt: Tensor, xT: Tensor, opts: FineLossOptions = {}) {
  const ssimWeight = opts.ssimWeight ?? 0.84, l1Weight = opts.l1Weight ?? 0.16, mseWeight = opts.mseWeight ?? 0;
  if (ssimWeight === 0 && l1Weight === 0 && mseWeight === 0) throw new Error('fine loss: every term has weight 0');
  const { x } = ddimSample(net, schedule, lq, xT, { steps: opts.steps ?? 3, eta: 0 });
  const target = dataTransform(gt);
  const ms = ssimWeight !== 0 ? msSsim(x, target, opts.msSsim) : null;
  const l1 = l1Weight !== 0 ? l1Loss(x, target) : null;
  const mse = mseWeight !== 0 ? mseLoss(x, target) : null;
  const terms: Tensor[] = [];
  if (ms) terms.push(F.mulScalar(F.addScalar(F.neg(ms), 1), ssimWeight));
  if (l1) terms.push(F.mulScalar(l1, l1Weight));
  if (mse) terms.push(F.mulScalar(mse, mseWeight));
  const loss = terms.reduce((a, b) => F.add(a, b));
  return { loss, msSsim: ms, l1, mse, x };
}
