import { filter2d, filter3dReplicate, gaussian1d, type Border } from './gaussian.js';
import { MetricError, maxOf, type HWCImage } from './image.js';
import type { MetricOptions } from './options.js';
import { preparePair } from './pair.js';

const f32 = Math.fround;

/**
 * Single-plane SSIM in float64 with an 11×11 Gaussian (σ 1.5) window; returns the mean of
 * the map. 'replicate' keeps the full map (basicsr's Y path); 'valid' keeps only the part
 * 5 px away from the edges, which is exactly what the deraining script's reflect-101 map
 * cropped by 5 px is (the crop removes every value that read the border).
 */
export function ssimPlane(a: Float64Array, b: Float64Array, h: number, w: number, border: Border, peak = 255): number {
  const g = gaussian1d(11, 1.5);
  const c1 = (0.01 * peak) ** 2;
  const c2 = (0.03 * peak) ** 2;
  const n = h * w;
  const aa = new Float64Array(n);
  const bb = new Float64Array(n);
  const ab = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = a[i] * a[i];
    bb[i] = b[i] * b[i];
    ab[i] = a[i] * b[i];
  }
  const f = (v: Float64Array) => filter2d(v, h, w, g, border).data;
  const mu1 = f(a);
  const mu2 = f(b);
  const e11 = f(aa);
  const e22 = f(bb);
  const e12 = f(ab);
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i];
    const m2 = mu2[i];
    const s1 = e11[i] - m1 * m1;
    const s2 = e22[i] - m2 * m2;
    const s12 = e12[i] - m1 * m2;
    sum += ((2 * m1 * m2 + c1) * (2 * s12 + c2)) / ((m1 * m1 + m2 * m2 + c1) * (s1 + s2 + c2));
  }
  return sum / mu1.length;
}

/**
 * One 11×11×11 Gaussian blur of an (h, w, c) float32 volume with replicate padding, summed
 * the way torch's CPU conv3d does (a GEMM over the unfolded taps): float32 kernel, taps in
 * (H, W, channel) order, each exact product added to a float32 running sum. That order
 * matters: float32 running sums are biased, and reproducing them moves the SSIM mean by
 * ~6e-6 onto the official value (to ~3e-8).
 */
function blur3dF32(vol: Float32Array, h: number, w: number, c: number, k3: Float32Array): Float32Array {
  const r = 5;
  const hp = h + 2 * r;
  const wp = w + 2 * r;
  const cp = c + 2 * r;
  const pad = new Float32Array(hp * wp * cp);
  const cl = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  for (let y = 0; y < hp; y++) {
    const sy = cl(y - r, h);
    for (let x = 0; x < wp; x++) {
      const sx = cl(x - r, w);
      const o = (y * wp + x) * cp;
      const src = (sy * w + sx) * c;
      for (let ch = 0; ch < cp; ch++) pad[o + ch] = vol[src + cl(ch - r, c)];
    }
  }
  const out = new Float32Array(h * w * c);
  for (let a = 0; a < 11; a++) {
    for (let b = 0; b < 11; b++) {
      for (let d = 0; d < 11; d++) {
        const kv = k3[(a * 11 + b) * 11 + d];
        for (let y = 0; y < h; y++) {
          let o = y * w * c;
          let p = ((y + a) * wp + b) * cp + d;
          for (let x = 0; x < w; x++, p += cp) {
            for (let ch = 0; ch < c; ch++, o++) out[o] += kv * pad[p + ch];
          }
        }
      }
    }
  }
  return out;
}

/**
 * basicsr's colour SSIM: the (H, W, C) volume blurred by an 11×11×11 Gaussian with
 * replicate padding on all three axes (channels included), every tensor float32 as in the
 * original torch code. With `faithful` (default) the blurs are summed as torch sums them
 * (see blur3dF32; ~1331 multiply-adds per value and map, about 1 s per megavoxel);
 * otherwise separably in float64, ~100× faster but ~1e-5 away from the official value.
 */
export function ssimVolumeF32(a: Float64Array[], b: Float64Array[], h: number, w: number, peak: number, faithful = true): number {
  const g = gaussian1d(11, 1.5);
  const c1 = f32((0.01 * peak) ** 2);
  const c2 = f32((0.03 * peak) ** 2);
  const c = a.length;
  const n = h * w;
  let blur: (v: Float32Array) => Float32Array;
  if (faithful) {
    const k3 = new Float32Array(11 * 11 * 11);
    for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) for (let l = 0; l < 11; l++) k3[(i * 11 + j) * 11 + l] = g[j] * g[l] * g[i];
    blur = (v) => blur3dF32(v, h, w, c, k3);
  } else {
    blur = (v) => {
      const planes: Float64Array[] = [];
      for (let ch = 0; ch < c; ch++) {
        const p = new Float64Array(n);
        for (let i = 0; i < n; i++) p[i] = v[i * c + ch];
        planes.push(p);
      }
      const o = filter3dReplicate(planes, h, w, g);
      const out = new Float32Array(n * c);
      for (let ch = 0; ch < c; ch++) for (let i = 0; i < n; i++) out[i * c + ch] = o[ch][i];
      return out;
    };
  }
  // interleaved (h, w, c) float32 volumes, as torch.tensor(hwc).float() holds them
  const xa = new Float32Array(n * c);
  const xb = new Float32Array(n * c);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < n; i++) {
      xa[i * c + ch] = a[ch][i];
      xb[i * c + ch] = b[ch][i];
    }
  }
  const prod = (u: Float32Array, v: Float32Array) => {
    const o = new Float32Array(u.length);
    for (let i = 0; i < u.length; i++) o[i] = u[i] * v[i];
    return o;
  };
  const mu1 = blur(xa);
  const mu2 = blur(xb);
  const e11 = blur(prod(xa, xa));
  const e22 = blur(prod(xb, xb));
  const e12 = blur(prod(xa, xb));
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i];
    const m2 = mu2[i];
    const m11 = f32(m1 * m1);
    const m22 = f32(m2 * m2);
    const m12 = f32(m1 * m2);
    const s1 = f32(e11[i] - m11);
    const s2 = f32(e22[i] - m22);
    const s12 = f32(e12[i] - m12);
    const num = f32(f32(f32(2 * m12) + c1) * f32(f32(2 * s12) + c2));
    const den = f32(f32(f32(m11 + m22) + c1) * f32(f32(s1 + s2) + c2));
    sum += f32(num / den);
  }
  return sum / mu1.length;
}

export interface SsimOptions extends MetricOptions {
  /**
   * basicsr colour SSIM only: sum the float32 3-D blurs in torch's order (default true,
   * matches the official value to ~3e-8 but costs ~1331 multiply-adds per value). false:
   * float64 separable blurs, ~100× faster, ~1e-5 from the official value.
   */
  faithfulFloat32?: boolean;
}

/**
 * Structural similarity between two HWC images, as the authors compute it (see
 * {@link MetricOptions.variant}): basicsr → Y: 2-D replicate-border SSIM over the whole
 * map (constants for peak 255); colour: float32 3-D SSIM with the peak rule (1 if max ≤ 1
 * else 255). deraining → per channel 2-D SSIM, map cropped by 5 px, mean over channels,
 * peak 255. Images must be at least 11×11 after cropping for the deraining variant.
 *
 * @example ssim(out, gt, { variant: 'basicsr', yChannel: true, cropBorder: 4 })
 */
export function ssim(a: HWCImage, b: HWCImage, options?: SsimOptions): number {
  const { o, pa, pb } = preparePair('ssim', a, b, options);
  const { height: h, width: w } = pa;
  if (o.variant === 'deraining') {
    if (h < 11 || w < 11) throw new MetricError('ssim', `the deraining SSIM crops its map by 5 px and needs at least 11x11 pixels, got ${h}x${w}`);
    let s = 0;
    for (let c = 0; c < pa.planes.length; c++) s += ssimPlane(pa.planes[c], pb.planes[c], h, w, 'valid', 255);
    return s / pa.planes.length;
  }
  if (o.yChannel) return ssimPlane(pa.planes[0], pb.planes[0], h, w, 'replicate', 255);
  const peak = maxOf(pa) <= 1 ? 1 : 255;
  return ssimVolumeF32(pa.planes, pb.planes, h, w, peak, options?.faithfulFloat32 ?? true);
}
