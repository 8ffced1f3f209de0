/** A channels-first float image (values usually in [0, 1]). */
export interface ImageCHW {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

export function makeImage(channels: number, height: number, width: number, data?: Float32Array): ImageCHW {
  const n = channels * height * width;
  if (data && data.length !== n) throw new RangeError(`image: ${data.length} values do not fill ${channels}×${height}×${width}`);
  return { data: data ?? new Float32Array(n), channels, height, width };
}

/** The window [top, top+h) × [left, left+w) of every channel. */
export function cropImage(img: ImageCHW, top: number, left: number, h: number, w: number): ImageCHW {
  if (top < 0 || left < 0 || top + h > img.height || left + w > img.width || h <= 0 || w <= 0) {
    throw new RangeError(`crop: window ${h}×${w} at (${top}, ${left}) does not fit a ${img.height}×${img.width} image`);
  }
  const out = makeImage(img.channels, h, w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * img.height + top + y) * img.width + left;
      out.data.set(img.data.subarray(src, src + w), (c * h + y) * w);
    }
  }
  return out;
}

/** OpenCV BORDER_REFLECT index (`fedcba|abcdefgh|hgfedcb`, the edge pixel repeated). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

/**
 * Pads the bottom and right edges up to at least `size`×`size` with OpenCV's BORDER_REFLECT,
 * as Restormer's `padding()` does for training images smaller than the patch.
 */
export function padToSize(img: ImageCHW, size: number): ImageCHW {
  const h = Math.max(size, img.height);
  const w = Math.max(size, img.width);
  if (h === img.height && w === img.width) return img;
  const out = makeImage(img.channels, h, w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const sy = reflectIndex(y, img.height);
      for (let x = 0; x < w; x++) {
        out.data[(c * h + y) * w + x] = img.data[(c * img.height + sy) * img.width + reflectIndex(x, img.width)];
      }
    }
  }
  return out;
}

/** Flips the rows (numpy `flipud` on HWC; cv2.flip(img, 0)). */
export function flipVertical(img: ImageCHW): ImageCHW {
  const { channels: C, height: H, width: W } = img;
  const out = makeImage(C, H, W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      const src = (c * H + (H - 1 - y)) * W;
      out.data.set(img.data.subarray(src, src + W), (c * H + y) * W);
    }
  }
  return out;
}

/** Flips the columns (cv2.flip(img, 1)). */
export function flipHorizontal(img: ImageCHW): ImageCHW {
  const { channels: C, height: H, width: W } = img;
  const out = makeImage(C, H, W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      const row = (c * H + y) * W;
      for (let x = 0; x < W; x++) out.data[row + x] = img.data[row + W - 1 - x];
    }
  }
  return out;
}

/** Swaps height and width (BasicSR's `img.transpose(1, 0, 2)` on HWC). */
export function transposeHW(img: ImageCHW): ImageCHW {
  const { channels: C, height: H, width: W } = img;
  const out = makeImage(C, W, H);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) out.data[(c * W + x) * H + y] = img.data[(c * H + y) * W + x];
    }
  }
  return out;
}

/** numpy `rot90(img, k)` on HWC: k quarter turns counter-clockwise. */
export function rot90(img: ImageCHW, k = 1): ImageCHW {
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return makeImage(img.channels, img.height, img.width, img.data.slice());
  if (kk === 2) return flipVertical(flipHorizontal(img));
  // one counter-clockwise turn = transpose, then flip the (new) rows; three = transpose, flip columns
  return kk === 1 ? flipVertical(transposeHW(img)) : flipHorizontal(transposeHW(img));
}
