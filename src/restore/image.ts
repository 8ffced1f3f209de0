import type { DFT } from '../model/dft.js';
import type { FloatImage } from '../io/image.js';
import { restorePlanar, type RestoreOptions } from './restorer.js';

/**
 * Restores a decoded image of any size and layout: grey images go through the model as
 * three equal channels and come back grey; alpha and bit depth pass through untouched.
 */
export async function restoreImage(model: DFT, img: FloatImage, opts: RestoreOptions = {}): Promise<FloatImage> {
  const n = img.width * img.height;
  let rgb = img.data;
  if (img.channels === 1) {
    rgb = new Float32Array(3 * n);
    for (let c = 0; c < 3; c++) rgb.set(img.data, c * n);
  }
  const out = await restorePlanar(model, { data: rgb, channels: 3, height: img.height, width: img.width }, opts);
  let data = out;
  if (img.channels === 1) {
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (out[i] + out[n + i] + out[2 * n + i]) / 3;
  }
  return { ...img, data };
}
