import { readdirSync, statSync } from 'node:fs';
import { extname, join, parse } from 'node:path';
import { makePlanar, type Planar } from '../../io/planar.js';
import { readImageSize } from './image-size.js';

/** What an image decoder returns (src/io/image.ts's `readImage` has this shape). */
/** Reads an image file as CHW values in [0, 1]. */
export type ImageLoader = (path: string) => Planar | Promise<Planar>;
export type ImageSizeReader = (path: string) => { width: number; height: number } | null | Promise<{ width: number; height: number } | null>;

export const DEFAULT_IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** A data set problem; `problems` lists every offending file, one per line of the message. */
export class DatasetError extends Error {
  constructor(message: string, readonly problems: string[] = []) {
    super(problems.length ? `${message}\n  ${problems.slice(0, 50).join('\n  ')}${problems.length > 50 ? `\n  … and ${problems.length - 50} more` : ''}` : message);
    this.name = 'DatasetError';
  }
}

export interface PairedFolderOptions {
  /** dataroot_lq (e.g. `.../train/Rain13K/input`) */
  dirLq: string;
  /** dataroot_gt (e.g. `.../train/Rain13K/target`) */
  dirGt: string;
  loader: ImageLoader;
  /** BasicSR filename_tmpl: the lq name is `tmpl.format(gt stem) + ext`. Default '{}'. */
  filenameTmpl?: string;
  extensions?: readonly string[];
  /**
   * Reads image sizes to check every pair before training (default: PNG/JPEG header
   * reader). `false` skips the up-front check; pairs are then checked as they load.
   */
  sizeOf?: ImageSizeReader | false;
}

/** What the trainer draws items from: decoded 3-channel pairs by index. */
export interface TrainingDataset {
  readonly length: number;
  nameOf(index: number): string;
  get(index: number): Promise<{ name: string; lq: Planar; gt: Planar }>;
}

export interface PairEntry {
  name: string;
  lqPath: string;
  gtPath: string;
}

/** The image files of a folder, sorted; an unreadable folder is a {@link DatasetError}. */
export function listImages(dir: string, exts: readonly string[], role: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new DatasetError(`${role} folder ${dir} is not a folder`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`cannot read the ${role} folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lower = exts.map((e) => e.toLowerCase());
  return names.filter((n) => !n.startsWith('.') && lower.includes(extname(n).toLowerCase())).sort();
}

/** Same channel count for every item: RGB kept, alpha dropped, gray replicated to 3. */
export function toRgb(img: Planar, where: string): Planar {
  const plane = img.width * img.height;
  const c = plane > 0 ? img.data.length / plane : 0;
  if (!Number.isInteger(c) || c < 1 || c > 4) throw new DatasetError(`${where}: decoded data (${img.data.length} values) does not match ${img.width}×${img.height}`);
  if (c === 3) return makePlanar(3, img.height, img.width, img.data);
  const out = makePlanar(3, img.height, img.width);
  for (let ch = 0; ch < 3; ch++) {
    const src = c >= 3 ? ch : 0;
    out.data.set(img.data.subarray(src * plane, (src + 1) * plane), ch * plane);
  }
  return out;
}

function formatTmpl(tmpl: string, stem: string): string {
  if (!tmpl.includes('{}')) throw new DatasetError(`filename_tmpl '${tmpl}' must contain '{}'`);
  return tmpl.replace('{}', stem);
}

/**
 * Paired folders (BasicSR `paired_paths_from_folder`): each target file is matched with the
 * input file of the same name (through filename_tmpl). Names without a partner — in either
 * direction — and pairs whose sizes differ are errors listing every offender, never skipped.
 */
export class PairedFolderDataset implements TrainingDataset {
  private constructor(readonly pairs: PairEntry[], private readonly loader: ImageLoader, readonly dirLq: string, readonly dirGt: string) {}

  static async open(opts: PairedFolderOptions): Promise<PairedFolderDataset> {
    const exts = opts.extensions ?? DEFAULT_IMAGE_EXTENSIONS;
    const tmpl = opts.filenameTmpl ?? '{}';
    const gtNames = listImages(opts.dirGt, exts, 'target (gt)');
    const lqNames = listImages(opts.dirLq, exts, 'input (lq)');
    const lqSet = new Set(lqNames);
    const used = new Set<string>();
    const pairs: PairEntry[] = [];
    const problems: string[] = [];
    for (const g of gtNames) {
      const { name: stem, ext } = parse(g);
      const want = formatTmpl(tmpl, stem) + ext;
      if (lqSet.has(want)) {
        pairs.push({ name: g, lqPath: join(opts.dirLq, want), gtPath: join(opts.dirGt, g) });
        used.add(want);
      } else {
        problems.push(`target ${g} has no input ${want} in ${opts.dirLq}`);
      }
    }
    for (const l of lqNames) if (!used.has(l)) problems.push(`input ${l} has no matching target in ${opts.dirGt}`);
    if (problems.length) throw new DatasetError(`${problems.length} unpaired image(s) between ${opts.dirLq} and ${opts.dirGt}:`, problems);
    if (pairs.length === 0) throw new DatasetError(`no images (${exts.join(', ')}) in ${opts.dirGt} and ${opts.dirLq}`);
    const sizeOf = opts.sizeOf === undefined ? readImageSize : opts.sizeOf;
    if (sizeOf) {
      const bad: string[] = [];
      for (const p of pairs) {
        const [a, b] = [await sizeOf(p.lqPath), await sizeOf(p.gtPath)];
        if (a && b && (a.width !== b.width || a.height !== b.height)) bad.push(`${p.name}: input ${a.width}×${a.height}, target ${b.width}×${b.height}`);
      }
      if (bad.length) throw new DatasetError(`${bad.length} pair(s) with different input and target sizes:`, bad);
    }
    return new PairedFolderDataset(pairs, opts.loader, opts.dirLq, opts.dirGt);
  }

  get length(): number {
    return this.pairs.length;
  }

  nameOf(index: number): string {
    return this.pairs[index].name;
  }

  /** Decodes pair `index` (3-channel CHW in [0, 1]); a size mismatch is an error. */
  async get(index: number): Promise<{ name: string; lq: Planar; gt: Planar }> {
    const p = this.pairs[index];
    if (!p) throw new RangeError(`dataset: index ${index} is outside [0, ${this.pairs.length})`);
    const [l, g] = await Promise.all([this.loader(p.lqPath), this.loader(p.gtPath)]);
    const lq = toRgb(l, p.lqPath);
    const gt = toRgb(g, p.gtPath);
    if (lq.width !== gt.width || lq.height !== gt.height) {
      throw new DatasetError(`pair ${p.name} has different sizes:`, [`input ${p.lqPath}: ${lq.width}×${lq.height}`, `target ${p.gtPath}: ${gt.width}×${gt.height}`]);
    }
    return { name: p.name, lq, gt };
  }
}

/** BasicSR-style layout helper: `<root>/input` and `<root>/target`. */
export function pairedFolders(root: string): { dirLq: string; dirGt: string } {
  return { dirLq: join(root, 'input'), dirGt: join(root, 'target') };
}
