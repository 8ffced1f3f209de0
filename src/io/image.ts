import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { OutputExistsError } from './output-exists.js';
import { writeFileAtomic } from './atomic.js';
import { limit, LIMITS } from './limits.js';
import type { Planar } from './planar.js';
import { fromHWC, roundHalfEven, toUint8HWC } from './pixels.js';

export { fromHWC, toUint8HWC };

/** The image file formats read and written here. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'tiff';

/**
 * A decoded image: colour channels as float32 CHW in [0, 1] (what the network eats), the
 * alpha channel kept apart and untouched, and enough about the file to write it back alike.
 */
export interface FloatImage extends Planar {
  /** Colour channels: 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  /** Alpha as height × width values in [0, 1], or null. Never used by the model. */
  alpha: Float32Array | null;
  /** Sample depth of the source file (8 or 16 bits); writeImage keeps it by default. */
  bitDepth: 8 | 16;
}

export interface ReadImage extends FloatImage {
  format: ImageFormat;
}

export interface ReadImageOptions {
  /**
   * Largest width × height accepted, checked on the header before decoding (decompression
   * bombs; a restoration costs about 15 minutes per megapixel on a CPU). Default 40 MP, or
   * DIFF_MAMBA_MAX_PIXELS (docs/limits.md).
   */
  maxPixels?: number;
}

export interface WriteImageOptions {
  /** 8 or 16; default: the image's bitDepth where the format can store it (PNG, TIFF), else 8. */
  bitDepth?: 8 | 16;
  /** Default: from the file extension (.png, .jpg/.jpeg, .webp, .tif/.tiff). */
  format?: ImageFormat;
  /** Replace an existing file. Default false: an existing file is an error. */
  overwrite?: boolean;
  /** JPEG/WebP quality 1–100. Default 95. */
  quality?: number;
  /** WebP only: lossless encoding. Default false. */
  lossless?: boolean;
  /** JPEG has no alpha channel: drop it instead of failing. Default false. */
  dropAlpha?: boolean;
}

/** The default of ReadImageOptions.maxPixels when DIFF_MAMBA_MAX_PIXELS is not set. */
export const DEFAULT_MAX_PIXELS = LIMITS.maxPixels.default;

/** What sharp / libvips said, on one line, with a plainer word for libvips' 'Unknown error'. */
function decoderMessage(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).split(/\r?\n/).map((l) => l.trim()).filter(Boolean).join('; ').replace(/[:;]\s*$/, '');
  if (!m || /^unknown error$/i.test(m)) return 'the data is damaged or truncated';
  return m.length > 200 ? `${m.slice(0, 199)}…` : m;
}

/** Errors from reading or writing images; the message names the file. */
export class ImageIOError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ImageIOError';
  }
}

const SHARP_FORMATS: Record<string, ImageFormat> = { png: 'png', jpeg: 'jpeg', jpg: 'jpeg', webp: 'webp', tiff: 'tiff', tif: 'tiff' };

/** The format an extension names, or null. */
export function formatFromPath(path: string): ImageFormat | null {
  return SHARP_FORMATS[extname(path).slice(1).toLowerCase()] ?? null;
}

/**
 * Decodes a PNG, JPEG, WebP or TIFF file (8- or 16-bit; grey, grey+alpha, RGB, RGBA; CMYK
 * and palette images come back as RGB). Pixels are returned in file order: EXIF orientation
 * is not applied, as OpenCV's IMREAD_UNCHANGED and the authors' data loaders see them.
 *
 * @example const img = await readImage('rain.png'); // img.data: CHW float32 in [0, 1]
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<ReadImage> {
  const maxPixels = options.maxPixels ?? limit('maxPixels');
  if (!(maxPixels > 0)) throw new ImageIOError(path, `maxPixels must be positive, got ${maxPixels}`);
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw new ImageIOError(path, 'is not a file');
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof ImageIOError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageIOError(path, code === 'ENOENT' ? 'no such file' : `cannot read file (${code ?? (e as Error).message})`);
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageIOError(path, `not a readable image (${decoderMessage(e)})`);
  }
  const format = SHARP_FORMATS[meta.format ?? ''];
  if (!format) throw new ImageIOError(path, `unsupported image format '${meta.format}' (supported: PNG, JPEG, WebP, TIFF)`);
  const { width, height } = meta;
  if (!width || !height) throw new ImageIOError(path, 'image has no size');
  if (width * height > maxPixels) {
    const mp = (n: number) => (n >= 100_000 ? `${(n / 1e6).toFixed(1)} megapixels` : `${n} pixels`);
    throw new ImageIOError(path, `image is ${width}×${height} (${mp(width * height)}), over the limit of ${mp(maxPixels)} (--max-pixels, maxPixels or DIFF_MAMBA_MAX_PIXELS raise it; docs/limits.md)`);
  }
  if (meta.depth !== 'uchar' && meta.depth !== 'ushort') {
    throw new ImageIOError(path, `unsupported sample format '${meta.depth}' (8- and 16-bit unsigned only)`);
  }
  const is16 = meta.depth === 'ushort';
  const hasAlpha = meta.hasAlpha === true;
  const channelsIn = meta.channels ?? 3;
  const grey = channelsIn - (hasAlpha ? 1 : 0) === 1;
  // sharp drops the alpha of 8-bit grey when converting to 'b-w', so grey+alpha is read as
  // RGBA (R = G = B) and the grey and alpha taken from it.
  const space = grey && !hasAlpha ? (is16 ? 'grey16' : 'b-w') : is16 ? 'rgb16' : 'srgb';
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .toColourspace(space)
      .raw({ depth: is16 ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageIOError(path, `cannot decode the ${format.toUpperCase()} data (${decoderMessage(e)})`);
  }
  const src = is16 ? new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength / 2) : raw.data;
  const oc = raw.info.channels;
  const n = width * height;
  if (src.length !== n * oc) throw new ImageIOError(path, `decoder returned ${src.length} samples for ${width}x${height}x${oc}`);
  const channels: 1 | 3 = grey ? 1 : 3;
  const colourIdx = grey ? [0] : [0, 1, 2];
  const alphaIdx = hasAlpha ? (oc === 4 ? 3 : oc === 2 ? 1 : -1) : -1;
  if (hasAlpha && alphaIdx < 0) throw new ImageIOError(path, `expected an alpha channel but the decoder returned ${oc} channels`);
  const scale = is16 ? 65535 : 255;
  const data = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) {
    const ci = colourIdx[c];
    const o = c * n;
    for (let i = 0; i < n; i++) data[o + i] = src[i * oc + ci] / scale;
  }
  let alpha: Float32Array | null = null;
  if (alphaIdx >= 0) {
    alpha = new Float32Array(n);
    for (let i = 0; i < n; i++) alpha[i] = src[i * oc + alphaIdx] / scale;
  }
  return { data, width, height, channels, alpha, bitDepth: is16 ? 16 : 8, format };
}

/**
 * Encodes `img` (CHW float in [0, 1], clamped; plus optional alpha) with the channel layout
 * it has: grey stays grey (except WebP, which only stores colour), alpha is re-attached,
 * 16-bit stays 16-bit for PNG and TIFF. Quantisation rounds like the authors' `tensor2img`:
 * clamp, ×255 (or ×65535) in float32, round half to even. TIFF is written losslessly
 * (deflate). Refuses to replace an existing file unless `overwrite` is set.
 *
 * @example await writeImage('out/restored.png', { ...img, data: restored });
 */
export async function writeImage(
  path: string,
  img: { data: Float32Array; width: number; height: number; channels: number; alpha?: Float32Array | null; bitDepth?: 8 | 16 },
  options: WriteImageOptions = {},
): Promise<void> {
  const format = options.format ?? formatFromPath(path);
  if (!format) throw new ImageIOError(path, `cannot tell the image format from the extension '${extname(path)}' (use .png, .jpg, .jpeg, .webp, .tif, .tiff or pass format)`);
  if (!SHARP_FORMATS[format]) throw new ImageIOError(path, `unsupported format '${format}'`);
  const { width, height, channels } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new ImageIOError(path, `invalid image size ${width}x${height}`);
  if (channels !== 1 && channels !== 3) throw new ImageIOError(path, `images have 1 or 3 colour channels, got ${channels}`);
  const n = width * height;
  if (img.data.length !== channels * n) throw new ImageIOError(path, `data holds ${img.data.length} values, expected ${channels}x${height}x${width} = ${channels * n}`);
  let alpha = img.alpha ?? null;
  if (alpha && alpha.length !== n) throw new ImageIOError(path, `alpha holds ${alpha.length} values, expected ${height}x${width} = ${n}`);
  if (alpha && format === 'jpeg') {
    if (!options.dropAlpha) throw new ImageIOError(path, 'JPEG cannot store an alpha channel (write PNG, TIFF or WebP, or pass dropAlpha: true)');
    alpha = null;
  }
  const deep = format === 'png' || format === 'tiff';
  if (options.bitDepth !== undefined && options.bitDepth !== 8 && options.bitDepth !== 16) throw new ImageIOError(path, `bitDepth must be 8 or 16, got ${options.bitDepth}`);
  if (options.bitDepth === 16 && !deep) throw new ImageIOError(path, `${format.toUpperCase()} cannot store 16-bit samples (use PNG or TIFF)`);
  const bitDepth = options.bitDepth ?? (img.bitDepth === 16 && deep ? 16 : 8);
  const quality = options.quality ?? 95;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new ImageIOError(path, `quality must be an integer in 1..100, got ${quality}`);

  const oc = channels + (alpha ? 1 : 0);
  const max = bitDepth === 16 ? 65535 : 255;
  const buf = bitDepth === 16 ? new Uint16Array(n * oc) : new Uint8Array(n * oc);
  for (let c = 0; c < channels; c++) {
    const o = c * n;
    for (let i = 0; i < n; i++) buf[i * oc + c] = quantize(img.data[o + i], max, path);
  }
  if (alpha) for (let i = 0; i < n; i++) buf[i * oc + channels] = quantize(alpha[i], max, path);

  let encoded: Buffer;
  try {
    let p = sharp(buf, { raw: { width, height, channels: oc as 1 | 2 | 3 | 4 } }).toColourspace(
      channels === 1 ? (bitDepth === 16 ? 'grey16' : 'b-w') : bitDepth === 16 ? 'rgb16' : 'srgb',
    );
    if (format === 'png') p = p.png({ compressionLevel: 6 });
    else if (format === 'tiff') p = p.tiff({ compression: 'deflate' });
    else if (format === 'jpeg') p = p.jpeg({ quality, chromaSubsampling: '4:4:4' });
    else p = p.webp({ quality, lossless: options.lossless ?? false, exact: true }); // exact: keep colours under transparent pixels
    encoded = await p.toBuffer();
  } catch (e) {
    throw new ImageIOError(path, `cannot encode ${format.toUpperCase()} (${decoderMessage(e)})`);
  }
  try {
    // through a temporary file and a rename: a kill mid-write never leaves half an image
    writeFileAtomic(path, encoded, { overwrite: !!options.overwrite });
  } catch (e) {
    if (e instanceof OutputExistsError) throw e;
    throw new ImageIOError(path, `cannot write file (${(e as { code?: string }).code ?? (e as Error).message})`);
  }
}

/** numpy's round(): half to even. */
/** The stored level of a [0, 1] value in a file of `max` levels: clamp, ×max in float32, half to even. */
export function quantize(x: number, max: number, where: string): number {
  if (Number.isNaN(x)) throw new ImageIOError(where, 'image contains NaN values');
  const c = x < 0 ? 0 : x > 1 ? 1 : x;
  return roundHalfEven(Math.fround(c * max));
}

