import { MetricError, type Planes } from './image.js';

/** Order of the three colour channels in an HWC array. Our images are RGB; OpenCV's are BGR. */
export type ChannelOrder = 'rgb' | 'bgr';

const f32 = Math.fround;

/**
 * ITU-R BT.601 luma exactly as the authors' `to_y_channel` / `bgr2ycbcr(y_only=True)`
 * computes it: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 on float32 inputs scaled
 * to [0, 1], the dot product in float64 (B, G, R order, as numpy sees a cv2 array), the
 * result rounded to float32 and multiplied by 255 in float32. Input planes are on the
 * 0–255 scale; the returned plane holds those float32 values (not rounded to integers).
 *
 * One-channel images pass through the same float32 /255 ·255 path, as in the original.
 */
export function yPlane(img: Planes, order: ChannelOrder = 'rgb'): Planes {
  const n = img.height * img.width;
  const out = new Float64Array(n);
  if (img.planes.length === 1) {
    const p = img.planes[0];
    for (let i = 0; i < n; i++) out[i] = f32(f32(f32(p[i]) / 255) * 255);
  } else if (img.planes.length === 3) {
    const [r, g, b] = order === 'rgb' ? img.planes : [img.planes[2], img.planes[1], img.planes[0]];
    for (let i = 0; i < n; i++) {
      const xb = f32(f32(b[i]) / 255);
      const xg = f32(f32(g[i]) / 255);
      const xr = f32(f32(r[i]) / 255);
      const dot = xb * 24.966 + xg * 128.553 + xr * 65.481 + 16.0;
      out[i] = f32(f32(dot / 255) * 255);
    }
  } else {
    throw new MetricError('yChannel', `needs a 1- or 3-channel image, got ${img.planes.length} channels`);
  }
  return { planes: [out], height: img.height, width: img.width };
}
