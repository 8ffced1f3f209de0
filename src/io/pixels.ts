// Conversions between the float planar images the network uses and the interleaved 8/16-bit
// pixels of files and metrics. Pure: no file or codec access (that is io/image.ts).

/** Rounds half to even, as numpy and torch do. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * CHW float in [0, 1] → interleaved HWC uint8, rounded as the authors' `tensor2img`
 * (clamp to [0, 1], ×255 in float32, round half to even). This is what the metrics read.
 * NaN becomes 0.
 */
export function toUint8HWC(img: { data: Float32Array; width: number; height: number; channels: number }): {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
} {
  const { width, height, channels, data } = img;
  const n = width * height;
  if (data.length !== channels * n) throw new RangeError(`toUint8HWC: data holds ${data.length} values, expected ${channels}x${height}x${width}`);
  const out = new Uint8Array(n * channels);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) {
      const x = data[c * n + i];
      const v = Number.isNaN(x) ? 0 : x < 0 ? 0 : x > 1 ? 1 : x;
      out[i * channels + c] = roundHalfEven(Math.fround(v * 255));
    }
  }
  return { data: out, height, width, channels };
}

/** Interleaved HWC uint8 (or uint16) → CHW float32 in [0, 1] (x / 255, or x / 65535). */
export function fromHWC(img: { data: Uint8Array | Uint16Array; width: number; height: number; channels: number }): Float32Array {
  const { width, height, channels, data } = img;
  const n = width * height;
  if (data.length !== channels * n) throw new RangeError(`fromHWC: data holds ${data.length} values, expected ${height}x${width}x${channels}`);
  const scale = data instanceof Uint16Array ? 65535 : 255;
  const out = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) out[c * n + i] = data[i * channels + c] / scale;
  return out;
}
