/** A planar (CHW) float image. */
export interface Planar {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** A planar image of these sizes: zeros, or `data` when given (which must fill it). */
export function makePlanar(channels: number, height: number, width: number, data?: Float32Array): Planar {
  const n = channels * height * width;
  if (data && data.length !== n) throw new RangeError(`image: ${data.length} values do not fill ${channels}×${height}×${width}`);
  return { data: data ?? new Float32Array(n), channels, height, width };
}

/** Mirrors an index into [0, n) like numpy's 'reflect' (edge not repeated), for any overshoot. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/** Reflect-pads the bottom and right edges up to (h, w), as the authors' test script. */
export function padBottomRight(img: Planar, h: number, w: number): Planar {
  if (h === img.height && w === img.width) return img;
  const out = new Float32Array(img.channels * h * w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const sy = reflectIndex(y, img.height);
      for (let x = 0; x < w; x++) out[(c * h + y) * w + x] = img.data[(c * img.height + sy) * img.width + reflectIndex(x, img.width)];
    }
  }
  return { data: out, channels: img.channels, height: h, width: w };
}

/** The window [top, top+h) × [left, left+w) of every channel. */
export function crop(img: Planar, top: number, left: number, h: number, w: number): Planar {
  if (top < 0 || left < 0 || top + h > img.height || left + w > img.width || h <= 0 || w <= 0) {
    throw new RangeError(`crop: window ${h}×${w} at (${top}, ${left}) does not fit a ${img.height}×${img.width} image`);
  }
  const out = makePlanar(img.channels, h, w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * img.height + top + y) * img.width + left;
      out.data.set(img.data.subarray(src, src + w), (c * h + y) * w);
    }
  }
  return out;
}

/**
 * One of the 8 dihedral transforms (mode bit 0: flip left-right, bit 1: flip up-down,
 * bit 2: transpose), or its inverse.
 */
export function dihedral(img: Planar, mode: number, inverse = false): Planar {
  const transpose = (mode & 4) !== 0;
  const flipX = (mode & 1) !== 0;
  const flipY = (mode & 2) !== 0;
  const { channels, height, width } = img;
  const oh = transpose ? width : height;
  const ow = transpose ? height : width;
  const out = new Float32Array(img.data.length);
  // forward: flips, then transpose; the inverse undoes them in reverse order
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let sy: number;
        let sx: number;
        if (!inverse) {
          [sy, sx] = transpose ? [x, y] : [y, x];
          if (flipY) sy = height - 1 - sy;
          if (flipX) sx = width - 1 - sx;
        } else {
          // out is the original frame (oh × ow = the source's transposed size); img is transformed
          let ty = y;
          let tx = x;
          if (flipY) ty = oh - 1 - ty;
          if (flipX) tx = ow - 1 - tx;
          [sy, sx] = transpose ? [tx, ty] : [ty, tx];
        }
        out[(c * oh + y) * ow + x] = img.data[(c * height + sy) * width + sx];
      }
    }
  }
  return { data: out, channels, height: oh, width: ow };
}

/** OpenCV BORDER_REFLECT (numpy 'symmetric') index: `fedcba|abcdefgh|hgfedcb`, the edge pixel repeated. */
export function symmetricIndex(i: number, n: number): number {
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
export function padToSize(img: Planar, size: number): Planar {
  const h = Math.max(size, img.height);
  const w = Math.max(size, img.width);
  if (h === img.height && w === img.width) return img;
  const out = makePlanar(img.channels, h, w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const sy = symmetricIndex(y, img.height);
      for (let x = 0; x < w; x++) {
        out.data[(c * h + y) * w + x] = img.data[(c * img.height + sy) * img.width + symmetricIndex(x, img.width)];
      }
    }
  }
  return out;
}

/** Flips the rows (numpy `flipud` on HWC; cv2.flip(img, 0)). */
export function flipVertical(img: Planar): Planar {
  const { channels: C, height: H, width: W } = img;
  const out = makePlanar(C, H, W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      const src = (c * H + (H - 1 - y)) * W;
      out.data.set(img.data.subarray(src, src + W), (c * H + y) * W);
    }
  }
  return out;
}

/** Flips the columns (cv2.flip(img, 1)). */
export function flipHorizontal(img: Planar): Planar {
  const { channels: C, height: H, width: W } = img;
  const out = makePlanar(C, H, W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      const row = (c * H + y) * W;
      for (let x = 0; x < W; x++) out.data[row + x] = img.data[row + W - 1 - x];
    }
  }
  return out;
}

/** Swaps height and width (BasicSR's `img.transpose(1, 0, 2)` on HWC). */
export function transposeHW(img: Planar): Planar {
  const { channels: C, height: H, width: W } = img;
  const out = makePlanar(C, W, H);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) out.data[(c * W + x) * H + y] = img.data[(c * H + y) * W + x];
    }
  }
  return out;
}

/** numpy `rot90(img, k)` on HWC: k quarter turns counter-clockwise. */
export function rot90(img: Planar, k = 1): Planar {
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return makePlanar(img.channels, img.height, img.width, img.data.slice());
  if (kk === 2) return flipVertical(flipHorizontal(img));
  // one counter-clockwise turn = transpose, then flip the (new) rows; three = transpose, flip columns
  return kk === 1 ? flipVertical(transposeHW(img)) : flipHorizontal(transposeHW(img));
}
