/**
 * Gaussian noise addressed by position: the value at (stream, channel, y, x) depends only on
 * the seed and those coordinates. Overlapping tiles therefore see the same x_T where they
 * overlap, and a restoration is reproducible whatever the tiling.
 */
export class NoiseField {
  constructor(readonly seed: number) {}

  /** Standard normal at one coordinate (Box–Muller on two hashed uniforms). */
  at(stream: number, c: number, y: number, x: number): number {
    const h1 = mix(this.seed, stream, c, y, x, 0x68e31da4);
    const h2 = mix(this.seed, stream, c, y, x, 0x1b56c4e9);
    const u1 = (h1 + 1) / 4294967297;
    const u2 = h2 / 4294967296;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A (channels, h, w) window whose top-left pixel is (top, left) in the field. */
  window(stream: number, channels: number, top: number, left: number, h: number, w: number): Float32Array {
    const out = new Float32Array(channels * h * w);
    let i = 0;
    for (let c = 0; c < channels; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[i++] = this.at(stream, c, top + y, left + x);
    return out;
  }
}

/** A 32-bit hash of five integers (murmur3-style finaliser rounds). */
function mix(seed: number, a: number, b: number, c: number, d: number, salt: number): number {
  let h = (seed ^ salt) >>> 0;
  for (const v of [a, b, c, d]) {
    let k = Math.imul(v | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
