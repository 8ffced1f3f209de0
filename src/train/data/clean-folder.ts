import { join } from 'node:path';
import { DEFAULT_IMAGE_EXTENSIONS, DatasetError, listImages, toRgb, type ImageLoader, type TrainingDataset } from './paired-folder.js';
import type { Planar } from '../../io/planar.js';

/**
 * Clean images only (`dataroot_gt`), for data sets that make their input from the target
 * (Gaussian denoising): `get` returns the image as both `lq` and `gt`; the degradation is
 * applied to the patch afterwards.
 */
export class CleanFolderDataset implements TrainingDataset {
  private constructor(readonly names: string[], readonly dir: string, private readonly loader: ImageLoader) {}

  static open(opts: { dir: string; loader: ImageLoader; extensions?: readonly string[] }): CleanFolderDataset {
    const exts = opts.extensions ?? DEFAULT_IMAGE_EXTENSIONS;
    const names = listImages(opts.dir, exts, 'target (gt)');
    if (names.length === 0) throw new DatasetError(`no images (${exts.join(', ')}) in ${opts.dir}`);
    return new CleanFolderDataset(names, opts.dir, opts.loader);
  }

  get length(): number {
    return this.names.length;
  }

  nameOf(index: number): string {
    return this.names[index];
  }

  async get(index: number): Promise<{ name: string; lq: Planar; gt: Planar }> {
    const name = this.names[index];
    if (name === undefined) throw new RangeError(`dataset: index ${index} is outside [0, ${this.names.length})`);
    const path = join(this.dir, name);
    const gt = toRgb(await this.loader(path), path);
    return { name, lq: gt, gt };
  }
}
