import { basename, join } from 'node:path';
import type { Rng } from '../../tensor/random.js';
import { presetMix, type PresetName } from '../../degrade/blind/families.js';
import { applyFamily, checkBlindOptions, pickFamily, type BlindOptions } from '../../degrade/blind/pipeline.js';
import type { Degradation } from '../../degrade/blind/family.js';
import { trainPairTransform } from './augment.js';
import { crop, type Planar } from '../../io/planar.js';
import { DEFAULT_IMAGE_EXTENSIONS, DatasetError, listImages, toRgb, type ImageLoader, type TrainingDataset } from './paired-folder.js';

/**
 * `Dataset_BlindDegradation` (ours): clean photos only, every training crop degraded on the
 * fly by a fresh draw from a task preset's training mix (src/degrade/blind, documented in
 * docs/degradations.md), or left clean with probability `clean_fraction` so the model learns
 * to leave clean photos alone.
 */
export interface BlindDegradationTrainOptions {
  /** The folders of clean images (`dataroot_gt`, one or a list). */
  roots: string[];
  preset: PresetName;
  /** `families`: a restricted or re-weighted training mix (names, or name → weight); null = the preset's. */
  families: readonly string[] | Readonly<Record<string, number>> | null;
  /** Share of crops left clean (input = target). */
  cleanFraction: number;
  /** Clip the degraded crop to [0, 1] and round it to 1/255 steps, as an 8-bit file would. */
  asUint8: boolean;
}

/** The sampling options behind a data set's keys. */
export function blindOptionsOf(o: BlindDegradationTrainOptions): BlindOptions {
  const b: BlindOptions = { mix: presetMix(o.preset, 'train', o.families ?? undefined), cleanFraction: o.cleanFraction, asUint8: o.asUint8 };
  checkBlindOptions(b, 'Dataset_BlindDegradation');
  return b;
}

/**
 * One training pair from a clean image: which family (or clean) is drawn first; the crop is
 * cut that family's margin larger on every side (reflect-padded first if the photo is
 * smaller), geometrically augmented, degraded, and the margin is cut off both images, so the
 * input is what degrading the whole photo would give there (no border artefacts of the blur
 * inside the crop). Returns the input, the target and what was drawn.
 */
export function blindTrainPair(
  clean: Planar,
  o: BlindOptions,
  t: { patchSize: number; geometricAugs: boolean },
  rng: Rng,
  where?: string,
): { lq: Planar; gt: Planar; degradation: Degradation<Planar> } {
  const family = pickFamily(o, rng);
  const m = family?.margin ?? 0;
  const [, patch] = trainPairTransform(clean, clean, { patchSize: t.patchSize + 2 * m, geometricAugs: t.geometricAugs }, rng, where);
  const d = applyFamily(patch, family, o.asUint8, rng);
  const p = t.patchSize;
  return { lq: m ? crop(d.image, m, m, p, p) : d.image, gt: m ? crop(patch, m, m, p, p) : patch, degradation: d };
}

/** Clean images from one or more folders (`dataroot_gt` as a list); names are `<folder>/<file>` where there are several. */
export class CleanFoldersDataset implements TrainingDataset {
  private constructor(private readonly files: { name: string; path: string }[], private readonly loader: ImageLoader) {}

  static open(opts: { dirs: readonly string[]; loader: ImageLoader; extensions?: readonly string[] }): CleanFoldersDataset {
    const exts = opts.extensions ?? DEFAULT_IMAGE_EXTENSIONS;
    if (opts.dirs.length === 0) throw new DatasetError('no folders of clean images (dataroot_gt) given');
    const files: { name: string; path: string }[] = [];
    const empty: string[] = [];
    for (const dir of opts.dirs) {
      const names = listImages(dir, exts, 'target (gt)');
      if (names.length === 0) empty.push(dir);
      for (const n of names) files.push({ name: opts.dirs.length > 1 ? `${basename(dir)}/${n}` : n, path: join(dir, n) });
    }
    if (empty.length) throw new DatasetError(`no images (${exts.join(', ')}) in ${empty.length > 1 ? 'these folders' : 'the folder'}:`, empty);
    return new CleanFoldersDataset(files, opts.loader);
  }

  get length(): number {
    return this.files.length;
  }

  nameOf(index: number): string {
    return this.files[index].name;
  }

  async get(index: number): Promise<{ name: string; lq: Planar; gt: Planar }> {
    const f = this.files[index];
    if (!f) throw new RangeError(`dataset: index ${index} is outside [0, ${this.files.length})`);
    const gt = toRgb(await this.loader(f.path), f.path);
    return { name: f.name, lq: gt, gt };
  }
}
