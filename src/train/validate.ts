import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import type { DFT } from '../model/dft.js';
import type { NoiseSchedule } from '../diffusion/schedule.js';
import { restoreWithDdim } from '../diffusion/ddim.js';
import { toUint8HWC } from '../io/image.js';
import { psnr } from '../metrics/index.js';
import type { ImageCHW } from './data/image.js';
import { crop, padBottomRight } from '../io/planar.js';

/** Reflect-pads the bottom/right of a CHW image to multiples of 8 (the network's requirement). */
export function padTo8(img: ImageCHW): ImageCHW {
  return padBottomRight(img, Math.ceil(img.height / 8) * 8, Math.ceil(img.width / 8) * 8);
}

/** Restores one image in [0, 1] with DDIM from a seeded x_T and returns it cropped back, in [0, 1]. */
export function sampleImage(model: DFT, schedule: NoiseSchedule, lq: ImageCHW, opts: { steps: number; eta: number; seed: number }): Float32Array {
  const p = padTo8(lq);
  const shape = [1, p.channels, p.height, p.width];
  const rng = new Rng(opts.seed);
  const xT = new Tensor(rng.fillNormal(new Float32Array(p.data.length)), shape);
  const out = restoreWithDdim((x, t) => model.forward(x, t), schedule, new Tensor(p.data, shape), xT, { steps: opts.steps, eta: opts.eta, rng });
  return p === lq ? out : crop({ ...p, data: out }, 0, 0, lq.height, lq.width).data;
}

/** PSNR (the authors' validation variant) of a restored CHW image against its target, on 8-bit values. */
export function psnrOf(restored: Float32Array, gt: ImageCHW, opts: { yChannel: boolean; cropBorder: number }): number {
  const a = toUint8HWC({ data: restored, width: gt.width, height: gt.height, channels: gt.channels });
  const b = toUint8HWC({ data: gt.data, width: gt.width, height: gt.height, channels: gt.channels });
  return psnr(a, b, { variant: 'basicsr', yChannel: opts.yChannel, cropBorder: opts.cropBorder });
}
