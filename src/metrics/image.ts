/**
 * The image type the metrics read: interleaved HWC pixels, as OpenCV arrays are.
 *
 * Values are on the 0–255 scale for Uint8Array (the authors' `tensor2img` output) and for
 * float arrays holding 0–255 data; float arrays holding [0, 1] data are also accepted (the
 * basicsr peak rule then picks peak 1). Uint16Array data are rescaled to 0–255 (×255/65535)
 * so 16-bit images give the numbers their 8-bit versions would.
 */
export interface HWCImage {
  data: Uint8Array | Uint16Array | Float32Array | Float64Array;
  height: number;
  width: number;
  channels: number;
}

/** Thrown for shape mismatches and options the metrics cannot honour. */
export class MetricError extends Error {
  constructor(metric: string, message: string) {
    super(`${metric}: ${message}`);
    this.name = 'MetricError';
  }
}

/** A channel-planar float64 copy of a (cropped) HWC image: planes[c][y * width + x]. */
export interface Planes {
  planes: Float64Array[];
  height: number;
  width: number;
}

export function checkPair(metric: string, a: HWCImage, b: HWCImage, cropBorder: number): void {
  for (const [name, img] of [['first', a], ['second', b]] as const) {
    const { height, width, channels, data } = img;
    if (![height, width, channels].every((v) => Number.isInteger(v) && v > 0)) {
      throw new MetricError(metric, `${name} image has invalid size ${height}x${width}x${channels}`);
    }
    if (data.length !== height * width * channels) {
      throw new MetricError(metric, `${name} image holds ${data.length} values, expected ${height}x${width}x${channels} = ${height * width * channels}`);
    }
  }
  if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    throw new MetricError(metric, `image shapes differ: ${a.height}x${a.width}x${a.channels} vs ${b.height}x${b.width}x${b.channels}`);
  }
  if (!Number.isInteger(cropBorder) || cropBorder < 0) throw new MetricError(metric, `cropBorder must be a non-negative integer, got ${cropBorder}`);
  if (2 * cropBorder >= a.height || 2 * cropBorder >= a.width) {
    throw new MetricError(metric, `cropBorder ${cropBorder} leaves nothing of a ${a.height}x${a.width} image`);
  }
}

/** Crops `c` pixels from every side and splits into float64 planes (0–255 scale for uint16). */
export function cropToPlanes(img: HWCImage, c: number): Planes {
  const { data, width, channels } = img;
  const h = img.height - 2 * c;
  const w = width - 2 * c;
  const scale = data instanceof Uint16Array ? 255 / 65535 : 1;
  const planes: Float64Array[] = [];
  for (let ch = 0; ch < channels; ch++) {
    const p = new Float64Array(h * w);
    for (let y = 0; y < h; y++) {
      const row = ((y + c) * width + c) * channels + ch;
      for (let x = 0; x < w; x++) p[y * w + x] = data[row + x * channels] * scale;
    }
    planes.push(p);
  }
  return { planes, height: h, width: w };
}

export function maxOf(p: Planes): number {
  let m = -Infinity;
  for (const plane of p.planes) for (let i = 0; i < plane.length; i++) if (plane[i] > m) m = plane[i];
  return m;
}
