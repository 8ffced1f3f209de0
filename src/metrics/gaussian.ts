/** Normalised 1-D Gaussian window, as `_gaussian_1d` / cv2.getGaussianKernel(11, 1.5). */
export function gaussian1d(size = 11, sigma = 1.5): Float64Array {
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) {
    const x = i - c;
    g[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    s += g[i];
  }
  for (let i = 0; i < size; i++) g[i] /= s;
  return g;
}

/**
 * How samples beyond the edge are read: 'replicate' (aaa|abcd|ddd), 'reflect101'
 * (OpenCV's default, dcb|abcd|cba), or 'valid' (no padding; the output shrinks by the
 * kernel size − 1 on each axis).
 */
export type Border = 'replicate' | 'reflect101' | 'valid';

function borderIndex(i: number, n: number, border: Border): number {
  if (i >= 0 && i < n) return i;
  if (border === 'replicate' || n === 1) return i < 0 ? 0 : n - 1;
  // reflect101, repeated for windows wider than the image
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** One-axis correlation with a centred odd kernel, in float64. */
function filterAxis(src: Float64Array, h: number, w: number, k: Float64Array, axis: 0 | 1, border: Border): { out: Float64Array; h: number; w: number } {
  const r = (k.length - 1) / 2;
  const valid = border === 'valid';
  const oh = axis === 0 && valid ? h - 2 * r : h;
  const ow = axis === 1 && valid ? w - 2 * r : w;
  const out = new Float64Array(oh * ow);
  if (axis === 1) {
    const idx = new Int32Array(ow + 2 * r);
    for (let x = 0; x < ow + 2 * r; x++) idx[x] = valid ? x : borderIndex(x - r, w, border);
    for (let y = 0; y < oh; y++) {
      const row = y * w;
      for (let x = 0; x < ow; x++) {
        let s = 0;
        for (let t = 0; t < k.length; t++) s += k[t] * src[row + idx[x + t]];
        out[y * ow + x] = s;
      }
    }
  } else {
    for (let y = 0; y < oh; y++) {
      const o = y * ow;
      for (let t = 0; t < k.length; t++) {
        const sy = valid ? y + t : borderIndex(y + t - r, h, border);
        const kt = k[t];
        const srow = sy * w;
        for (let x = 0; x < ow; x++) out[o + x] += kt * src[srow + x];
      }
    }
  }
  return { out, h: oh, w: ow };
}

/** Separable 2-D correlation of an h×w plane with the outer product of `k` with itself. */
export function filter2d(src: Float64Array, h: number, w: number, k: Float64Array, border: Border): { data: Float64Array; height: number; width: number } {
  const a = filterAxis(src, h, w, k, 1, border);
  const b = filterAxis(a.out, a.h, a.w, k, 0, border);
  return { data: b.out, height: b.h, width: b.w };
}

/**
 * Separable 3-D correlation of a volume stored as `planes` (the third axis: channels) with
 * k ⊗ k ⊗ k and replicate borders on every axis (F.pad(..., mode='replicate') + conv3d),
 * in float64; the caller rounds to float32 where the original works in float32.
 */
export function filter3dReplicate(planes: Float64Array[], h: number, w: number, k: Float64Array): Float64Array[] {
  const spatial = planes.map((p) => filter2d(p, h, w, k, 'replicate').data);
  const c = planes.length;
  const r = (k.length - 1) / 2;
  const n = h * w;
  const out: Float64Array[] = [];
  for (let ch = 0; ch < c; ch++) {
    const o = new Float64Array(n);
    for (let t = 0; t < k.length; t++) {
      const src = spatial[borderIndex(ch + t - r, c, 'replicate')];
      const kt = k[t];
      for (let i = 0; i < n; i++) o[i] += kt * src[i];
    }
    out.push(o);
  }
  return out;
}
