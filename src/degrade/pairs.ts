import { appendFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { formatFromPath, readImage, writeImage, type FloatImage } from '../io/image.js';
import { Rng } from '../tensor/random.js';
import { motionBlur, type MotionBlurOptions } from './blur.js';
import { DegradeError, type Planar } from './common.js';
import { OutputExistsError } from '../io/output-exists.js';
import { gaussianNoise } from './noise.js';
import { rainStreaks, type RainOptions } from './rain.js';

/** What to do to each clean image. */
export type DegradationSpec =
  | { type: 'noise'; /** σ on the 0–255 scale; a range is drawn per image. */ sigma: number | readonly [number, number]; clip?: boolean }
  | ({ type: 'blur' } & MotionBlurOptions)
  | ({ type: 'rain' } & RainOptions);

export type MakePairsOptions = DegradationSpec & {
  /** Base seed; each image's generator is seeded from it and the file name. */
  seed: number;
  /** Crop a random patch × patch square from each image first (images smaller are skipped). */
  patch?: number;
  /** Replace existing output files. Default false: any existing output is an error, before anything is written. */
  force?: boolean;
  /** Largest source image, in pixels (see readImage). */
  maxPixels?: number;
};

export interface MakePairsResult {
  /** Base names (without extension) of the pairs written, in order. */
  written: string[];
  skipped: { file: string; reason: string }[];
}

/** FNV-1a over the seed and the name: the per-image seed, independent of the other files. */
function imageSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193) >>> 0;
  const s = `${seed}:${name}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function cropPatch(img: FloatImage, patch: number, rng: Rng): FloatImage {
  const y0 = rng.int(0, img.height - patch + 1);
  const x0 = rng.int(0, img.width - patch + 1);
  const data = new Float32Array(img.channels * patch * patch);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < patch; y++) {
      const src = c * img.width * img.height + (y0 + y) * img.width + x0;
      data.set(img.data.subarray(src, src + patch), c * patch * patch + y * patch);
    }
  }
  return { ...img, data, width: patch, height: patch, alpha: null };
}

/** Applies one degradation spec with the given generator. */
export function degrade<T extends Planar>(img: T, spec: DegradationSpec, rng: Rng): T {
  switch (spec.type) {
    case 'noise': {
      const sigma = typeof spec.sigma === 'number' ? spec.sigma : spec.sigma[0] + (spec.sigma[1] - spec.sigma[0]) * rng.uniform();
      return gaussianNoise(img, sigma, rng, { clip: spec.clip });
    }
    case 'blur':
      return motionBlur(img, spec, rng);
    case 'rain':
      return rainStreaks(img, spec, rng);
    default:
      throw new DegradeError('degrade', `unknown degradation type '${(spec as { type: unknown }).type}' (expected noise, blur or rain)`);
  }
}

/** The options every pair maker shares. */
export interface PairRunOptions {
  seed: number;
  patch?: number;
  force?: boolean;
  maxPixels?: number;
}

/** One pair as a maker returns it: the clean image (or patch), its degraded copy, and optionally a record line. */
export interface MadePair {
  target: FloatImage;
  input: FloatImage;
  /** Written as one JSON line of `<outDir>/<records file>` (with the pair's file names first). */
  record?: Record<string, unknown>;
}

/**
 * The shared loop of the pair makers: checks the folders, names and existing outputs (before
 * anything is written), then per clean image (sorted by name) seeds a generator from `seed`
 * and the file name, skips images smaller than `patch`, and writes what `make` returns.
 * With `recordsFile`, each pair's record goes on one line of `<outDir>/<recordsFile>`.
 */
export async function runPairs(
  srcDir: string,
  outDir: string,
  options: PairRunOptions,
  make: (img: FloatImage, rng: Rng) => MadePair,
  recordsFile?: string,
): Promise<MakePairsResult> {
  if (!existsSync(srcDir)) throw new DegradeError('makePairs', `${srcDir}: no such folder of clean images`);
  if (!statSync(srcDir).isDirectory()) throw new DegradeError('makePairs', `${srcDir} is a file; give the folder that holds the clean images`);
  if (!Number.isInteger(options.seed)) throw new DegradeError('makePairs', `seed must be an integer, got ${options.seed}`);
  if (options.patch !== undefined && !(Number.isInteger(options.patch) && options.patch > 0)) throw new DegradeError('makePairs', `patch must be a positive integer, got ${options.patch}`);
  const files = readdirSync(srcDir)
    .filter((f) => formatFromPath(f) !== null && statSync(join(srcDir, f)).isFile())
    .sort();
  if (files.length === 0) throw new DegradeError('makePairs', `no PNG, JPEG, WebP or TIFF images in '${srcDir}'`);
  const byName = new Map<string, string>();
  for (const f of files) {
    const name = basename(f, extname(f));
    const prev = byName.get(name);
    if (prev) throw new DegradeError('makePairs', `'${prev}' and '${f}' would both be written as ${name}.png`);
    byName.set(name, f);
  }
  const recordsPath = recordsFile === undefined ? null : join(outDir, recordsFile);
  if (!options.force) {
    const clashes: string[] = [];
    for (const name of byName.keys()) {
      for (const sub of ['input', 'target']) {
        const p = join(outDir, sub, `${name}.png`);
        if (existsSync(p)) clashes.push(p);
      }
    }
    if (recordsPath && existsSync(recordsPath)) clashes.push(recordsPath);
    if (clashes.length) throw new OutputExistsError(clashes, clashes.length > 1 ? 'output files exist' : 'output file exists');
  }
  if (recordsPath) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(recordsPath, '');
  }
  const result: MakePairsResult = { written: [], skipped: [] };
  for (const [name, file] of byName) {
    const rng = new Rng(imageSeed(options.seed, name));
    let img: FloatImage = await readImage(join(srcDir, file), { maxPixels: options.maxPixels });
    img = { ...img, alpha: null };
    if (options.patch !== undefined && (img.width < options.patch || img.height < options.patch)) {
      result.skipped.push({ file, reason: `${img.width}x${img.height} is smaller than the ${options.patch}px patch` });
      continue;
    }
    const pair = make(img, rng);
    const write = { bitDepth: img.bitDepth, overwrite: options.force ?? false } as const;
    await writeImage(join(outDir, 'target', `${name}.png`), pair.target, write);
    await writeImage(join(outDir, 'input', `${name}.png`), pair.input, write);
    if (recordsPath && pair.record) appendFileSync(recordsPath, `${JSON.stringify({ file: `${name}.png`, source: file, ...pair.record })}\n`);
    result.written.push(name);
  }
  return result;
}

/**
 * Builds a paired data set in the authors' layout from a folder of clean images:
 * `outDir/target/<name>.png` (the clean image, or patch) and `outDir/input/<name>.png`
 * (its degraded copy). Every image gets its own generator seeded from `seed` and its file
 * name, so the output is reproducible and does not depend on which other files are present.
 * Alpha is dropped; 16-bit sources give 16-bit PNGs. Existing outputs are an error (checked
 * before anything is written) unless `force`.
 *
 * @example await makePairs('clean/', 'rain_train/', { type: 'rain', density: [0.004, 0.01], seed: 1, patch: 128 })
 */
export async function makePairs(srcDir: string, outDir: string, options: MakePairsOptions): Promise<MakePairsResult> {
  return runPairs(srcDir, outDir, options, (img, rng) => {
    const target = options.patch !== undefined ? cropPatch(img, options.patch, rng) : img;
    return { target, input: degrade(target, options, rng) };
  });
}
