import { Tensor, noGrad } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import type { DFT } from '../model/dft.js';
import type { NoiseSchedule } from '../diffusion/schedule.js';
import { ddimSample, inverseDataTransform } from '../diffusion/ddim.js';
import { toUint8HWC } from '../io/image.js';
import { psnr } from '../metrics/index.js';
import type { ImageCHW } from './data/image.js';

/** Reflect-pads the bottom/right of a CHW image to multiples of 8 (the network's requirement). */
export function padTo8(img: ImageCHW): ImageCHW {
  const H = Math.ceil(img.height / 8) * 8;
  const W = Math.ceil(img.width / 8) * 8;
  if (H === img.height && W === img.width) return img;
  const refl = (i: number, n: number) => {
    if (n === 1) return 0;
    const p = 2 * (n - 1);
    const m = ((i % p) + p) % p;
    return m < n ? m : p - m;
  };
  const out = new Float32Array(img.channels * H * W);
  for (let c = 0; c < img.channels; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) out[(c * H + y) * W + x] = img.data[(c * img.height + refl(y, img.height)) * img.width + refl(x, img.width)];
  return { data: out, channels: img.channels, height: H, width: W };
}

/** Restores one image in [0, 1] with DDIM from a seeded x_T and returns it cropped back, in [0, 1]. */
export function sampleImage(model: DFT, schedule: NoiseSchedule, lq: ImageCHW, opts: { steps: number; eta: number; seed: number }): Float32Array {
  const p = padTo8(lq);
  const shape = [1, p.channels, p.height, p.width];
  const rng = new Rng(opts.seed);
  const xT = new Tensor(rng.fillNormal(new Float32Array(p.data.length)), shape);
  const out = noGrad(() => inverseDataTransform(ddimSample((x, t) => model.forward(x, t), schedule, new Tensor(p.data, shape), xT, { steps: opts.steps, eta: opts.eta, rng }).x).data);
  if (p === lq) return out;
  const res = new Float32Array(lq.data.length);
  for (let c = 0; c < lq.channels; c++)
    for (let y = 0; y < lq.height; y++) res.set(out.subarray((c * p.height + y) * p.width, (c * p.height + y) * p.width + lq.width), (c * lq.height + y) * lq.width);
  return res;
}

/** PSNR (the authors' validation variant) of a restored CHW image against its target, on 8-bit values. */
export function psnrOf(restored: Float32Array, gt: ImageCHW, opts: { yChannel: boolean; cropBorder: number }): number {
  const a = toUint8HWC({ data: restored, width: gt.width, height: gt.height, channels: gt.channels });
  const b = toUint8HWC({ data: gt.data, width: gt.width, height: gt.height, channels: gt.channels });
  return psnr(a, b, { variant: 'basicsr', yChannel: opts.yChannel, cropBorder: opts.cropBorder });
}
