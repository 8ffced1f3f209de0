/** A planar (CHW) float image. */
export interface Planar {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
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

export function crop(img: Planar, top: number, left: number, h: number, w: number): Planar {
  const out = new Float32Array(img.channels * h * w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * img.height + top + y) * img.width + left;
      out.set(img.data.subarray(src, src + w), (c * h + y) * w);
    }
  }
  return { data: out, channels: img.channels, height: h, width: w };
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
