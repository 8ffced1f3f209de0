import type { Rng } from '../../tensor/random.js';
import { crop, flipHorizontal, flipVertical, makePlanar, padToSize, rot90, transposeHW, type Planar } from '../../io/planar.js';

/**
 * BasicSR `paired_random_crop` (scale 1): one window, the same for lq and gt.
 * `top = randint(0, h − patch)` inclusive, then `left` likewise.
 */
export function pairedRandomCrop(lq: Planar, gt: Planar, patch: number, rng: Rng, where = 'image pair'): [Planar, Planar] {
  if (lq.height !== gt.height || lq.width !== gt.width) {
    throw new RangeError(`${where}: lq is ${lq.height}×${lq.width} but gt is ${gt.height}×${gt.width}`);
  }
  if (lq.height < patch || lq.width < patch) throw new RangeError(`${where}: ${lq.height}×${lq.width} is smaller than the patch size ${patch}`);
  const top = rng.int(0, lq.height - patch + 1);
  const left = rng.int(0, lq.width - patch + 1);
  return [crop(lq, top, left, patch, patch), crop(gt, top, left, patch, patch)];
}

/**
 * Restormer's `data_augmentation(image, mode)` (numpy on HWC), mode 0–7:
 * 0 identity, 1 flipud, 2 rot90, 3 rot90+flipud, 4 rot180, 5 rot180+flipud,
 * 6 rot270, 7 rot270+flipud — the 8 symmetries of the square.
 */
export function geometricTransform(img: Planar, mode: number): Planar {
  if (!Number.isInteger(mode) || mode < 0 || mode > 7) throw new RangeError(`geometricTransform: mode must be 0..7, got ${mode}`);
  const r = rot90(img, mode >> 1);
  return mode & 1 ? flipVertical(r) : r;
}

/**
 * Restormer's `random_augmentation(*imgs)` (what `geometric_augs: true` does): one mode
 * `randint(0, 7)` for all images of the pair.
 */
export function randomGeometric(images: Planar[], rng: Rng): Planar[] {
  const mode = rng.int(0, 8);
  return images.map((im) => geometricTransform(im, mode));
}

/**
 * BasicSR `augment(imgs, hflip, rotation)`: hflip w.p. ½ (if enabled), then vflip and a
 * transpose each w.p. ½ (if rotation is enabled), the same draws for every image.
 */
export function basicsrAugment(images: Planar[], rng: Rng, hflip = true, rotation = true): Planar[] {
  const h = hflip && rng.uniform() < 0.5;
  const v = rotation && rng.uniform() < 0.5;
  const t = rotation && rng.uniform() < 0.5;
  return images.map((im) => {
    let o = im;
    if (h) o = flipHorizontal(o);
    if (v) o = flipVertical(o);
    if (t) o = transposeHW(o);
    return o;
  });
}

export interface TrainPairOptions {
  /** gt_size: the patch side. */
  patchSize: number;
  /** geometric_augs */
  geometricAugs: boolean;
}

/**
 * Restormer `Dataset_PairedImage.__getitem__` in the train phase: reflect-pad up to the
 * patch size, paired random crop, then (optionally) one random geometric transform.
 */
export function trainPairTransform(lq: Planar, gt: Planar, opts: TrainPairOptions, rng: Rng, where?: string): [Planar, Planar] {
  const [pl, pg] = [padToSize(lq, opts.patchSize), padToSize(gt, opts.patchSize)];
  let [cl, cg] = pairedRandomCrop(pl, pg, opts.patchSize, rng, where);
  if (opts.geometricAugs) [cl, cg] = randomGeometric([cl, cg], rng) as [Planar, Planar];
  return [cl, cg];
}

/** A batch of pairs, NCHW, float32. */
export interface PairBatch {
  lq: Float32Array;
  gt: Float32Array;
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Stacks same-sized pairs into a batch. */
export function collatePairs(pairs: { lq: Planar; gt: Planar }[]): PairBatch {
  if (pairs.length === 0) throw new RangeError('collatePairs: empty batch');
  const { channels: c, height: h, width: w } = pairs[0].lq;
  const size = c * h * w;
  const lq = new Float32Array(pairs.length * size);
  const gt = new Float32Array(pairs.length * size);
  pairs.forEach((p, i) => {
    for (const im of [p.lq, p.gt]) {
      if (im.channels !== c || im.height !== h || im.width !== w) {
        throw new RangeError(`collatePairs: item ${i} is ${im.channels}×${im.height}×${im.width}, item 0 ${c}×${h}×${w}`);
      }
    }
    lq.set(p.lq.data, i * size);
    gt.set(p.gt.data, i * size);
  });
  return { lq, gt, n: pairs.length, c, h, w };
}

/** One item of a batch as an image (a copy). */
export function batchItem(b: PairBatch, i: number, which: 'lq' | 'gt'): Planar {
  const size = b.c * b.h * b.w;
  return makePlanar(b.c, b.h, b.w, b[which].slice(i * size, (i + 1) * size));
}

/** Gamma(shape, 1) by Marsaglia–Tsang (boosted for shape < 1). */
export function sampleGamma(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError(`sampleGamma: shape must be positive, got ${shape}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.uniform();
    return sampleGamma(shape + 1, rng) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(a: number, b: number, rng: Rng): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  return x / (x + y);
}

/** A random permutation of 0..n-1 (torch.randperm). */
export function randomPermutation(n: number, rng: Rng): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i));
}

export interface MixupOptions {
  /** mixup_beta (Restormer: 1.2). */
  beta: number;
  /** use_identity: with it, half of the batches pass unchanged. */
  useIdentity: boolean;
}

/**
 * Restormer `Mixing_Augment` (the only augment in its list is mixup): with use_identity,
 * `randint(0, 1)` picks mixup or identity; otherwise always mixup.
 * mixup: `lam ~ Beta(β, β)`, a random permutation r, then
 * `gt = lam·gt + (1−lam)·gt[r]`, `lq = lam·lq + (1−lam)·lq[r]` (same lam and r for both).
 * Returns the (possibly new) batch and what was done, for logging.
 */
export function mixingAugment(batch: PairBatch, opts: MixupOptions, rng: Rng): { batch: PairBatch; lam: number | null; perm: number[] | null } {
  if (opts.useIdentity && rng.int(0, 2) === 1) return { batch, lam: null, perm: null };
  const lam = Math.fround(sampleBeta(opts.beta, opts.beta, rng));
  const perm = randomPermutation(batch.n, rng);
  const size = batch.c * batch.h * batch.w;
  const mix = (src: Float32Array): Float32Array => {
    const out = new Float32Array(src.length);
    for (let i = 0; i < batch.n; i++) {
      const a = i * size;
      const b = perm[i] * size;
      for (let k = 0; k < size; k++) out[a + k] = Math.fround(lam * src[a + k]) + Math.fround((1 - lam) * src[b + k]);
    }
    return out;
  };
  return { batch: { ...batch, gt: mix(batch.gt), lq: mix(batch.lq) }, lam, perm };
}
