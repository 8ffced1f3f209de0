import type { DFT } from '../model/dft.js';
import type { FloatImage } from '../io/image.js';
import { restorePlanar, type RestoreOptions } from './restorer.js';

/**
 * Restores a decoded image of any size and layout: grey images go through the model as
 * three equal channels and come back grey; alpha and bit depth pass through untouched.
 * The defaults are the CLI's (RESTORE_DEFAULTS: tiles of at most 384 pixels, overlap 24, 3 steps, η 0,
 * seed 0). The promise is pending before any heavy work starts; between network calls the
 * event loop runs, `signal` is checked and `onProgress` told. Rejects with
 * RestoreAbortedError when the signal aborts (also when it already had), RangeError for bad
 * options, ModelDisposedError when the model is disposed meanwhile.
 */
export async function restoreImage(model: DFT, img: FloatImage, opts: RestoreOptions = {}): Promise<FloatImage> {
  if (img.channels !== 1 && img.channels !== 3) throw new RangeError(`restore: images have 1 (grey) or 3 (RGB) colour channels, got ${String(img.channels)}`);
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
