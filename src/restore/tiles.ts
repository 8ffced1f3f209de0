/** Start offsets of tiles of `size` covering [0, length) with at least `overlap` shared pixels; the last tile ends at the edge. */
export function tileStarts(length: number, size: number, overlap: number): number[] {
  if (size >= length) return [0];
  const stride = Math.max(1, size - overlap);
  const starts: number[] = [];
  for (let s = 0; s + size < length; s += stride) starts.push(s);
  starts.push(length - size);
  return starts;
}

/**
 * Blending weight along one tile axis: a linear ramp over the overlap on each side that
 * has a neighbour, so overlapping tiles cross-fade and the weights never vanish.
 */
export function rampWeights(size: number, overlap: number, rampStart: boolean, rampEnd: boolean): Float32Array {
  const w = new Float32Array(size).fill(1);
  const r = Math.min(overlap, Math.floor(size / 2));
  for (let i = 0; i < r; i++) {
    const v = (i + 1) / (r + 1);
    if (rampStart) w[i] = Math.min(w[i], v);
    if (rampEnd) w[size - 1 - i] = Math.min(w[size - 1 - i], v);
  }
  return w;
}
