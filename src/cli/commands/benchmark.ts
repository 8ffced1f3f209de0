import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { makeDirs } from '../../io/atomic.js';
import { join } from 'node:path';
import { readImage, writeImage, type FloatImage } from '../../io/image.js';
import { readMat, type MatArray } from '../../io/mat.js';
import type { DFT } from '../../model/dft.js';
import { loadModel } from '../../model/checkpoint.js';
import { restoreImage } from '../../restore/image.js';
import { RESTORE_DEFAULTS } from '../../restore/restorer.js';
import { scoreImages } from '../../metrics/index.js';
import { expandInputs } from '../files.js';
import { checkOutputFolder, intFlag, MAX_PIXELS_HELP, maxPixelsFlag, taskFlag, taskModel, tileFlags } from './flags.js';
import { fail, progressBar } from '../progress.js';

/** The standard test sets in the order the papers print them; Y-channel scoring for deraining as the authors' script. */
const KNOWN: { name: string; y: boolean }[] = [
  { name: 'Rain100L', y: true },
  { name: 'Rain100H', y: true },
  { name: 'Test100', y: true },
  { name: 'Test1200', y: true },
  { name: 'Test2800', y: true },
  { name: 'GoPro', y: false },
  { name: 'HIDE', y: false },
  { name: 'RealBlur_J', y: false },
  { name: 'RealBlur_R', y: false },
  { name: 'SIDD', y: false },
];

/** SIDD's validation blocks as distributed: one MATLAB v5 file each, variable named as the file. */
const SIDD_NOISY = 'ValidationNoisyBlocksSrgb';
const SIDD_GT = 'ValidationGtBlocksSrgb';

/** The two SIDD .mat files under <root>/SIDD/ or directly in <root>, or null. */
export function findSidd(root: string): { noisy: string; gt: string } | null {
  for (const dir of [join(root, 'SIDD'), root]) {
    const noisy = join(dir, `${SIDD_NOISY}.mat`);
    const gt = join(dir, `${SIDD_GT}.mat`);
    if (existsSync(noisy) && existsSync(gt)) return { noisy, gt };
  }
  return null;
}

/** Blocks of a (images × blocks × H × W × 3) or (blocks × H × W × 3) MAT array, image-major order (exported for tests). */
export class BlockArray {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  private readonly lead: number;
  private readonly scale: number;
  constructor(
    private readonly arr: MatArray,
    what: string,
  ) {
    const d = arr.dims;
    if ((d.length !== 4 && d.length !== 5) || d[d.length - 1] !== 3) {
      throw new Error(`${what}: expected images × blocks × H × W × 3 (or blocks × H × W × 3), got [${d.join(', ')}]`);
    }
    if (arr.class === 'int64' || arr.class === 'uint64') throw new Error(`${what}: 64-bit integer blocks are not supported`);
    this.lead = d.length === 5 ? d[0] * d[1] : d[0];
    [this.height, this.width] = d.slice(-3, -1);
    this.count = this.lead;
    this.scale = arr.class === 'uint8' ? 255 : arr.class === 'uint16' ? 65535 : arr.class === 'double' || arr.class === 'single' ? 1 : NaN;
    if (Number.isNaN(this.scale)) throw new Error(`${what}: ${arr.class} blocks are not supported (uint8, uint16, or float in [0, 1])`);
  }

  /** Image and block index of the k-th block in image-major order (Restormer's loop order). */
  label(k: number): [number, number] {
    const d = this.arr.dims;
    return d.length === 5 ? [Math.floor(k / d[1]), k % d[1]] : [0, k];
  }

  /** Block k as a float RGB image in [0, 1]. */
  block(k: number): FloatImage {
    const { height: H, width: W, lead } = this;
    const d = this.arr.dims;
    // Column-major: the leading (image, block) pair is linear index i + I·b = its position
    // in that order; image-major k = i·B + b is converted.
    const [i, b] = this.label(k);
    const first = d.length === 5 ? i + d[0] * b : b;
    const src = this.arr.data as Exclude<MatArray['data'], BigInt64Array | BigUint64Array>;
    const data = new Float32Array(3 * H * W);
    for (let c = 0; c < 3; c++) {
      for (let x = 0; x < W; x++) {
        const base = first + lead * H * (x + W * c);
        for (let y = 0; y < H; y++) data[c * H * W + y * W + x] = src[base + lead * y] / this.scale;
      }
    }
    return { data, width: W, height: H, channels: 3, alpha: null, bitDepth: 8 };
  }
}

/** Restores and scores the SIDD validation blocks (RGB, 'deraining' metric variant). */
async function scoreSidd(
  model: DFT,
  files: { noisy: string; gt: string },
  o: { steps: string; limit?: string; save?: string },
): Promise<{ n: number; psnr: number; ssim: number }> {
  const noisy = new BlockArray(readMat(files.noisy, { variables: [SIDD_NOISY] }).get(SIDD_NOISY)!, `${files.noisy}: ${SIDD_NOISY}`);
  const gt = new BlockArray(readMat(files.gt, { variables: [SIDD_GT] }).get(SIDD_GT)!, `${files.gt}: ${SIDD_GT}`);
  if (noisy.count !== gt.count || noisy.height !== gt.height || noisy.width !== gt.width) {
    fail(`SIDD: noisy blocks ${noisy.count}×${noisy.height}×${noisy.width} and ground truth ${gt.count}×${gt.height}×${gt.width} differ`);
  }
  const n = o.limit ? Math.min(noisy.count, Number(o.limit)) : noisy.count;
  const bar = progressBar(`SIDD {bar} {value}/{total}`, { lines: true });
  bar?.start(n, 0);
  let sp = 0;
  let ss = 0;
  for (let k = 0; k < n; k++) {
    const out = await restoreImage(model, noisy.block(k), { steps: Number(o.steps), tile: 0 });
    if (o.save) {
      const [i, b] = noisy.label(k);
      makeDirs(join(o.save, 'SIDD'));
      await writeImage(join(o.save, 'SIDD', `${String(i).padStart(2, '0')}_${String(b).padStart(2, '0')}.png`), out, { overwrite: true });
    }
    const s = scoreImages(out, gt.block(k), { variant: 'deraining', yChannel: false });
    sp += s.psnr;
    ss += s.ssim;
    bar?.increment();
  }
  bar?.stop();
  return { n, psnr: sp / n, ssim: ss / n };
}

export function registerBenchmark(program: Command): void {
  program
    .command('benchmark')
    .description(
      'restore and score the standard test sets found under a root folder (<root>/<set>/{input,target}; SIDD as <root>/SIDD/ValidationNoisyBlocksSrgb.mat + ValidationGtBlocksSrgb.mat) and print the table the papers print',
    )
    .requiredOption('--data <root>', 'folder holding test sets such as Rain100L/, Test100/, GoPro/, each with input/ and target/, and SIDD/ with the two validation .mat files')
    .option('--model <checkpoint>', 'checkpoint to evaluate')
    .option('--task <task>', 'bundled model when --model is not given', 'derain')
    .option('--sets <names>', 'comma-separated set names (default: every set found)')
    .option('--save <dir>', 'also write the restored images to <dir>/<set>/')
    .option('--steps <n>', 'DDIM sampling steps', String(RESTORE_DEFAULTS.steps))
    .option('--tile <px>', 'tile size (0 = whole image)', String(RESTORE_DEFAULTS.tile))
    .option('--overlap <px>', 'overlap between tiles', String(RESTORE_DEFAULTS.overlap))
    .option('--limit <n>', 'only the first n images of each set (SIDD: the first n blocks)')
    .option('--max-pixels <n>', MAX_PIXELS_HELP)
    .action(async (o: { data: string; model?: string; task: string; sets?: string; save?: string; steps: string; tile: string; overlap: string; limit?: string; maxPixels?: string }) => {
      // every flag and the --save folder before the model is loaded
      const steps = intFlag('steps', o.steps, 1, 1000);
      const { tile, overlap } = tileFlags(o.tile, o.overlap);
      if (o.limit !== undefined) intFlag('limit', o.limit, 1);
      const maxPixels = maxPixelsFlag(o.maxPixels);
      if (o.model === undefined) taskFlag(o.task);
      o.steps = String(steps);
      if (!existsSync(o.data)) fail(`--data ${o.data} does not exist`);
      if (!statSync(o.data).isDirectory()) fail(`--data ${o.data} is a file, not the folder of test sets`);
      if (o.save !== undefined) checkOutputFolder('--save', o.save);
      const found = readdirSync(o.data).filter((d) => existsSync(join(o.data, d, 'input')) && existsSync(join(o.data, d, 'target')) && statSync(join(o.data, d)).isDirectory());
      // SIDD's .mat blocks take the place of a SIDD/{input,target} folder pair.
      const sidd = findSidd(o.data);
      if (sidd && !found.includes('SIDD')) found.push('SIDD');
      const wanted = o.sets ? o.sets.split(',') : [...KNOWN.map((k) => k.name).filter((n) => found.includes(n)), ...found.filter((f) => !KNOWN.some((k) => k.name === f)).sort()];
      for (const w of wanted) {
        if (!found.includes(w)) fail(`set ${w} not found under ${o.data} (need ${w}/input and ${w}/target${w === 'SIDD' ? `, or SIDD/${SIDD_NOISY}.mat and SIDD/${SIDD_GT}.mat` : ''})`);
      }
      if (wanted.length === 0) fail(`no test sets (<set>/input + <set>/target, or SIDD's .mat files) under ${o.data}`);
      const { model } = loadModel(o.model ?? taskModel(o.task));
      const table: { set: string; n: number; psnr: number; ssim: number; y: boolean }[] = [];
      for (const set of wanted) {
        const y = KNOWN.find((k) => k.name === set)?.y ?? false;
        if (set === 'SIDD' && sidd) {
          let r: { n: number; psnr: number; ssim: number };
          try {
            r = await scoreSidd(model, sidd, o);
          } catch (e) {
            fail((e as Error).message);
          }
          table.push({ set, ...r, y: false });
          continue;
        }
        let { files } = expandInputs([join(o.data, set, 'input')]);
        if (o.limit) files = files.slice(0, Number(o.limit));
        const bar = progressBar(`${set} {bar} {value}/{total}`, { lines: true });
        bar?.start(files.length, 0);
        let sp = 0;
        let ss = 0;
        for (const f of files) {
          const name = f.slice(join(o.data, set, 'input').length + 1);
          const gtPath = join(o.data, set, 'target', name);
          if (!existsSync(gtPath)) fail(`${f} has no target ${gtPath}`);
          const img = await readImage(f, { maxPixels });
          const out = await restoreImage(model, img, { steps, tile, overlap });
          if (o.save) {
            makeDirs(join(o.save, set));
            await writeImage(join(o.save, set, name), out, { overwrite: true });
          }
          const s = scoreImages(out, await readImage(gtPath, { maxPixels }), { variant: 'deraining', yChannel: y });
          sp += s.psnr;
          ss += s.ssim;
          bar?.increment();
        }
        bar?.stop();
        table.push({ set, n: files.length, psnr: sp / files.length, ssim: ss / files.length, y });
      }
      console.log(`${'set'.padEnd(12)} images  PSNR (dB)  SSIM    channel`);
      for (const r of table) console.log(`${r.set.padEnd(12)} ${String(r.n).padStart(6)}  ${r.psnr.toFixed(2).padStart(9)}  ${r.ssim.toFixed(4)}  ${r.y ? 'Y' : 'RGB'}`);
      const avg = (k: 'psnr' | 'ssim') => table.reduce((a, r) => a + r[k], 0) / table.length;
      if (table.length > 1) console.log(`${'average'.padEnd(12)} ${''.padStart(6)}  ${avg('psnr').toFixed(2).padStart(9)}  ${avg('ssim').toFixed(4)}`);
      if (table.some((r) => r.set === 'SIDD')) {
        console.log(
          "SIDD: images = validation blocks (each restored whole, no tiling), scored on RGB uint8 with the 'deraining' metric variant (peak 255, per-channel Gaussian SSIM); Restormer's own SIDD script scores float outputs (PSNR peak 1, skimage SSIM), so its numbers can differ slightly",
        );
      }
    });
}
