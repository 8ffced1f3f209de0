import type { FloatImage } from '../../io/image.js';
import type { Rng } from '../../tensor/random.js';
import { DegradeError, type Kernel } from '../common.js';
import { runPairs, type MakePairsResult, type PairRunOptions } from '../pairs.js';
import { PRESET_NAMES, presetMix, type PresetName, type Split } from './families.js';
import { applyFamily, checkBlindOptions, pickFamily, type BlindOptions } from './pipeline.js';

/** The file in the output root that records what was done to each pair. */
export const RECORDS_FILE = 'degradations.jsonl';

export interface MakePresetPairsOptions extends PairRunOptions {
  preset: PresetName;
  /** Which of the preset's mixes to draw from. Default 'train'. */
  split?: Split;
  /** Share of pairs left clean (input = target). Default 0. */
  cleanFraction?: number;
  /** Restrict or re-weight the mix (see presetMix). */
  families?: readonly string[] | Readonly<Record<string, number>>;
}

function crop(img: FloatImage, top: number, left: number, h: number, w: number): FloatImage {
  const data = new Float32Array(img.channels * h * w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * img.height + top + y) * img.width + left;
      data.set(img.data.subarray(src, src + w), (c * h + y) * w);
    }
  }
  return { ...img, data, width: w, height: h, alpha: null };
}

/**
 * One pair from a clean image: a random `patch` square (the whole image without one), then
 * a blind degradation. The patch is degraded inside a window reaching the family's margin
 * further where the photo allows, then cut out, so it is degraded as the whole photo would
 * be there. The record holds the family, its parameters and the patch's place; `kernel` is
 * the blur kernel drawn, for blur families.
 */
export function presetPair(img: FloatImage, o: BlindOptions, patch: number | undefined, rng: Rng): { target: FloatImage; input: FloatImage; record: Record<string, unknown>; kernel?: Kernel } {
  const { width: W, height: H } = img;
  const p = patch ?? 0;
  const y0 = patch === undefined ? 0 : rng.int(0, H - p + 1);
  const x0 = patch === undefined ? 0 : rng.int(0, W - p + 1);
  const [ph, pw] = patch === undefined ? [H, W] : [p, p];
  const family = pickFamily(o, rng);
  const m = family?.margin ?? 0;
  const wy = Math.max(0, y0 - m);
  const wx = Math.max(0, x0 - m);
  const window = crop(img, wy, wx, Math.min(H, y0 + ph + m) - wy, Math.min(W, x0 + pw + m) - wx);
  const d = applyFamily(window, family, o.asUint8, rng);
  const target = crop(img, y0, x0, ph, pw);
  const input = crop(d.image, y0 - wy, x0 - wx, ph, pw);
  const record: Record<string, unknown> = { family: d.family, params: d.params };
  if (patch !== undefined) record.crop = { x: x0, y: y0, size: p };
  return { target, input, record, kernel: d.kernel };
}

/**
 * Pairs from a task preset (`diff-mamba degrade --preset`): as makePairs (layout, per-image
 * seeds from `seed` and the file name, --force), each image degraded by a family drawn from
 * the preset's `split` mix, 8-bit rounded; `<outDir>/degradations.jsonl` gets one line per
 * pair: file, source, preset, split, seed, family, params (and crop with `patch`).
 *
 * @example await makePresetPairs('clean/', 'val_heldout/', { preset: 'derain', split: 'heldout', seed: 1 })
 */
export async function makePresetPairs(srcDir: string, outDir: string, options: MakePresetPairsOptions): Promise<MakePairsResult> {
  if (!PRESET_NAMES.includes(options.preset)) throw new DegradeError('makePresetPairs', `preset must be one of ${PRESET_NAMES.join(', ')}, got '${options.preset}'`);
  const split = options.split ?? 'train';
  const o: BlindOptions = { mix: presetMix(options.preset, split, options.families), cleanFraction: options.cleanFraction ?? 0, asUint8: true };
  checkBlindOptions(o, 'degrade');
  return runPairs(
    srcDir,
    outDir,
    options,
    (img, rng) => {
      const { target, input, record } = presetPair(img, o, options.patch, rng);
      return { target, input, record: { preset: options.preset, split, seed: options.seed, ...record } };
    },
    RECORDS_FILE,
  );
}
