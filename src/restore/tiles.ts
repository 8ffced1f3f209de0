/**
 * The tiling of one axis of `length` (a multiple of 8) with tiles of at most `maxSize`
 * pixels sharing at least `overlap`: the fewest tiles that can, each cut to the smallest
 * multiple of 8 that still covers the axis, spread evenly. Fixed-size tiles stepped from one
 * edge would leave a last tile mostly inside its neighbour (512 px in 256-px tiles: three
 * tiles, 50 % recomputed); this one recomputes only the overlaps.
 */
export function tilePlan(length: number, maxSize: number, overlap: number): { size: number; starts: number[] } {
  const cap = Math.max(8, Math.floor(maxSize / 8) * 8);
  if (cap >= length) return { size: length, starts: [0] };
  const fits = (n: number) => Math.ceil((length + (n - 1) * overlap) / n / 8) * 8;
  let n = Math.max(2, Math.ceil((length - overlap) / Math.max(1, cap - overlap)));
  while (fits(n) > cap) n++;
  const size = Math.min(cap, Math.max(fits(n), overlap + 8));
  const starts = Array.from({ length: n }, (_, i) => Math.round((i * (length - size)) / (n - 1)));
  return { size, starts };
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
