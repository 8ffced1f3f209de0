import { checkImage, DegradeError, type Planar } from './common.js';

/**
 * JPEG re-compression, in TypeScript: the lossy half of a baseline JPEG encoder and decoder
 * (what changes the pixels), without the entropy coding (which is lossless and changes none).
 *
 * Why not sharp: sharp (libvips + libjpeg) is asynchronous and runs in its own threads, and
 * its output may differ by a level here and there between libjpeg builds and CPUs (SIMD
 * paths). The blind-degradation samplers are synchronous `(img, rng) => degraded` functions
 * called per training crop, and a seed must give the same crop everywhere, so JPEG is done
 * here: 8-bit input, JFIF RGB → YCbCr, 4:2:0 chroma by 2 × 2 averaging (or 4:4:4), 8 × 8
 * DCT, quantisation by the JPEG Annex K tables scaled by the IJG quality formula (the
 * tables libjpeg's `-quality` uses), dequantisation, inverse DCT, libjpeg's "fancy"
 * (triangle) chroma upsampling, YCbCr → RGB, rounded to 8 bits. test/degrade/jpeg.test.ts
 * checks it against sharp's encoder: within a fraction of a dB at every quality.
 */

/** JPEG Annex K.1 luminance table, row-major. */
const LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
/** JPEG Annex K.2 chrominance table, row-major. */
const CHROMA = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];

export type ChromaSubsampling = '4:2:0' | '4:4:4';

export interface JpegOptions {
  /** IJG quality 1–100 (libjpeg / sharp `quality`). */
  quality: number;
  /** Default '4:2:0' (libjpeg's and sharp's default). Ignored for grey images. */
  subsampling?: ChromaSubsampling;
}

/** The quantisation table for `quality` (IJG `jpeg_quality_scaling`, baseline: entries clamped to 1..255). */
export function quantTable(base: readonly number[], quality: number): Float64Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return Float64Array.from(base, (b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

/** M[u·8 + x] = c(u)/2 · cos((2x + 1)uπ/16): the orthonormal 8-point DCT-II. */
const DCT = (() => {
  const m = new Float64Array(64);
  for (let u = 0; u < 8; u++) for (let x = 0; x < 8; x++) m[u * 8 + x] = ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return m;
})();

/**
 * Compresses one plane (values 0–255, `pw` × `ph`, both multiples of 8) in place: per 8 × 8
 * block, level shift, DCT, round(coefficient / q)·q, inverse DCT, round and clamp to 0–255.
 */
function codePlane(plane: Float64Array, pw: number, ph: number, q: Float64Array): void {
  const blk = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < ph; by += 8) {
    for (let bx = 0; bx < pw; bx += 8) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) blk[y * 8 + x] = plane[(by + y) * pw + bx + x] - 128;
      // rows then columns: F = M · f · Mᵀ
      for (let y = 0; y < 8; y++) for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let x = 0; x < 8; x++) s += DCT[u * 8 + x] * blk[y * 8 + x];
        tmp[y * 8 + u] = s;
      }
      for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < 8; y++) s += DCT[v * 8 + y] * tmp[y * 8 + u];
        const k = v * 8 + u;
        blk[k] = Math.round(s / q[k]) * q[k];
      }
      // inverse: f = Mᵀ · F · M
      for (let v = 0; v < 8; v++) for (let x = 0; x < 8; x++) {
        let s = 0;
        for (let u = 0; u < 8; u++) s += DCT[u * 8 + x] * blk[v * 8 + u];
        tmp[v * 8 + x] = s;
      }
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        let s = 0;
        for (let v = 0; v < 8; v++) s += DCT[v * 8 + y] * tmp[v * 8 + x];
        const o = Math.round(s + 128);
        plane[(by + y) * pw + bx + x] = o < 0 ? 0 : o > 255 ? 255 : o;
      }
    }
  }
}

/** A w × h plane copied into a pw × ph one, the last column and row repeated (libjpeg's edge expansion). */
function expand(src: Float64Array, w: number, h: number, pw: number, ph: number): Float64Array {
  const out = new Float64Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < pw; x++) out[y * pw + x] = src[sy * w + Math.min(x, w - 1)];
  }
  return out;
}

const up8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * One JPEG save and load at `quality`: an image in [0, 1] (1 or 3 channels) comes back on
 * 1/255 steps with the blocking, ringing and chroma smearing of a JPEG file.
 *
 * @example jpegRoundTrip(img, { quality: 40 })
 */
export function jpegRoundTrip<T extends Planar>(img: T, options: JpegOptions): T {
  checkImage('jpeg', img);
  const { width: w, height: h, channels } = img;
  if (channels !== 1 && channels !== 3) throw new DegradeError('jpeg', `JPEG holds grey or RGB images, got ${channels} channels`);
  if (!(options.quality >= 1 && options.quality <= 100)) throw new DegradeError('jpeg', `quality must be in [1, 100], got ${options.quality}`);
  const sub = options.subsampling ?? '4:2:0';
  if (sub !== '4:2:0' && sub !== '4:4:4') throw new DegradeError('jpeg', `subsampling must be 4:2:0 or 4:4:4, got ${sub}`);
  const n = w * h;
  const u8 = (v: number) => Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * 255);
  const out = new Float32Array(img.data.length);
  const ql = quantTable(LUMA, options.quality);
  if (channels === 1) {
    const pw = up8(w);
    const ph = up8(h);
    const p = expand(Float64Array.from(img.data, u8), w, h, pw, ph);
    codePlane(p, pw, ph, ql);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = p[y * pw + x] / 255;
    return { ...img, data: out };
  }
  const qc = quantTable(CHROMA, options.quality);
  // JFIF RGB → YCbCr on 8-bit samples, rounded as libjpeg's fixed-point converter
  const Y = new Float64Array(n);
  const Cb = new Float64Array(n);
  const Cr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = u8(img.data[i]);
    const g = u8(img.data[n + i]);
    const b = u8(img.data[2 * n + i]);
    Y[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    Cb[i] = Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
    Cr[i] = Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
  }
  const half = sub === '4:2:0';
  const mcu = half ? 16 : 8;
  const pw = Math.ceil(w / mcu) * mcu;
  const ph = Math.ceil(h / mcu) * mcu;
  const yp = expand(Y, w, h, pw, ph);
  codePlane(yp, pw, ph, ql);
  const cw = half ? pw / 2 : pw;
  const ch = half ? ph / 2 : ph;
  const chroma = [Cb, Cr].map((c) => {
    const e = expand(c, w, h, pw, ph);
    let p = e;
    if (half) {
      // h2v2 downsampling: the mean of each 2 × 2 block, with libjpeg's alternating 1, 2 rounding bias
      p = new Float64Array(cw * ch);
      for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
        const s = e[2 * y * pw + 2 * x] + e[2 * y * pw + 2 * x + 1] + e[(2 * y + 1) * pw + 2 * x] + e[(2 * y + 1) * pw + 2 * x + 1];
        p[y * cw + x] = Math.floor((s + 1 + (x & 1)) / 4);
      }
    }
    codePlane(p, cw, ch, qc);
    if (!half) return p;
    // h2v2 "fancy" upsampling: 9/16 nearest, 3/16 each side neighbour, 1/16 diagonal (edges repeated)
    const u = new Float64Array(pw * ph);
    const at = (x: number, y: number) => p[Math.min(ch - 1, Math.max(0, y)) * cw + Math.min(cw - 1, Math.max(0, x))];
    for (let y = 0; y < ph; y++) {
      const sy = y >> 1;
      const ny = y & 1 ? sy + 1 : sy - 1;
      for (let x = 0; x < pw; x++) {
        const sx = x >> 1;
        const nx = x & 1 ? sx + 1 : sx - 1;
        u[y * pw + x] = Math.round((9 * at(sx, sy) + 3 * at(nx, sy) + 3 * at(sx, ny) + at(nx, ny)) / 16);
      }
    }
    return u;
  });
  const [cb, cr] = chroma;
  const clamp8 = (v: number) => {
    const r = Math.round(v);
    return (r < 0 ? 0 : r > 255 ? 255 : r) / 255;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * pw + x;
      const yy = yp[k];
      const b = cb[k] - 128;
      const r = cr[k] - 128;
      const i = y * w + x;
      out[i] = clamp8(yy + 1.402 * r);
      out[n + i] = clamp8(yy - 0.344136 * b - 0.714136 * r);
      out[2 * n + i] = clamp8(yy + 1.772 * b);
    }
  }
  return { ...img, data: out };
}
