import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readImage, writeImage } from '../../io/image.js';
import { loadModel, NonFiniteError } from '../../model/checkpoint.js';
import { restoreImage } from '../../restore/image.js';
import { RESTORE_DEFAULTS, RestoreAbortedError } from '../../restore/restorer.js';
import { scoreImages } from '../../metrics/index.js';
import { abortOnSigint, fail, progressBar } from '../progress.js';
import { expandInputs } from '../files.js';
import { checkFileFlag, checkOutputFolder, existingInputs, intFlag, MAX_PIXELS_HELP, maxPixelsFlag, numFlag, plannedOutputs, taskFlag, taskModel, tileFlags, withoutPath } from './flags.js';

interface RestoreFlags {
  output: string;
  task: string;
  model?: string;
  key?: string;
  steps: string;
  eta: string;
  seed: string;
  tile: string;
  overlap: string;
  ensemble?: boolean;
  force?: boolean;
  reference?: string;
  maxPixels?: string;
}


export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('restore rainy, noisy or blurred images with a Diff-Mamba model')
    .argument('<inputs...>', 'image files, folders or globs (PNG, JPEG, WebP, TIFF)')
    .requiredOption('-o, --output <dir>', 'folder for the restored images (same names)')
    .option('--task <task>', 'bundled model to use: denoise, derain or deblur', 'denoise')
    .option('--model <checkpoint>', 'use this checkpoint (.pth or .safetensors) instead of a bundled model')
    .option('--key <key>', 'top-level key of a .pth checkpoint (default params_ema)')
    .option('--steps <n>', 'DDIM sampling steps (3 = four network calls)', String(RESTORE_DEFAULTS.steps))
    .option('--eta <e>', 'DDIM eta (0 = deterministic)', String(RESTORE_DEFAULTS.eta))
    .option('--seed <s>', 'seed of the initial noise', String(RESTORE_DEFAULTS.seed))
    .option('--tile <px>', 'tile size in pixels (multiple of 8; 0 = whole image)', String(RESTORE_DEFAULTS.tile))
    .option('--overlap <px>', 'overlap between tiles', String(RESTORE_DEFAULTS.overlap))
    .option('--ensemble', 'average over the 8 flips/rotations (8× slower)')
    .option('--force', 'overwrite existing outputs')
    .option('--reference <clean>', 'a clean original: print the PSNR/SSIM of the input and of the result against it')
    .option('--max-pixels <n>', MAX_PIXELS_HELP)
    .action(async (inputs: string[], o: RestoreFlags) => {
      // every flag, the inputs and the output folder are checked before the model is loaded
      const steps = intFlag('steps', o.steps, 1, 1000);
      const seed = intFlag('seed', o.seed, 0);
      const { tile, overlap } = tileFlags(o.tile, o.overlap);
      const eta = numFlag('eta', o.eta, 0, 1);
      const maxPixels = maxPixelsFlag(o.maxPixels);
      if (o.model === undefined) taskFlag(o.task);
      const expanded = expandInputs(inputs);
      for (const u of expanded.unmatched) process.stderr.write(`diff-mamba: no images match ${u}\n`);
      if (expanded.files.length === 0) fail('no input images');
      const { files, missing } = existingInputs(expanded.files);
      if (o.reference !== undefined) checkFileFlag('--reference', o.reference);
      if (o.model !== undefined) checkFileFlag('--model', o.model);
      checkOutputFolder('--output', o.output);
      plannedOutputs(files, o.output, !!o.force);
      const modelPath = o.model ?? taskModel(o.task);
      const { model } = loadModel(modelPath, { key: o.key });
      const reference = o.reference ? await readImage(o.reference, { maxPixels }) : null;
      const ac = abortOnSigint('stopping after the current image');
      const bar = progressBar('{bar} {percentage}% | {name} ({image}/{images}) tile {tile}/{tiles} | {duration_formatted}', { lines: true });
      let failures = missing;
      for (let i = 0; i < files.length; i++) {
        if (ac.signal.aborted) break;
        const file = files[i];
        const out = join(o.output, basename(file));
        try {
          if (resolve(out) === resolve(file)) throw new Error(`the output would overwrite the input ${file}; choose another --output folder`);
          if (existsSync(out) && !o.force) throw new Error(`${out} exists (use --force to overwrite)`);
          const img = await readImage(file, { maxPixels });
          if (reference && (reference.width !== img.width || reference.height !== img.height || reference.channels !== img.channels)) {
            throw new Error(`--reference ${o.reference} is ${reference.width}×${reference.height}×${reference.channels}, the input ${img.width}×${img.height}×${img.channels}`);
          }
          const started = Date.now();
          bar?.start(1, 0, { name: basename(file), image: i + 1, images: files.length, tile: 0, tiles: '?' });
          const restored = await restoreImage(model, img, {
            steps,
            eta,
            seed,
            tile,
            overlap,
            ensemble: !!o.ensemble,
            // the bar counts network calls (four per tile at 3 steps), the label tiles
            onProgress: ({ done, total, tile: t, tiles }) => {
              bar?.setTotal(total);
              bar?.update(done, { tile: t, tiles });
            },
          });
          bar?.stop();
          await writeImage(out, restored, { overwrite: !!o.force });
          let line = `${file} → ${out} (${img.width}×${img.height}, ${((Date.now() - started) / 1000).toFixed(1)} s)`;
          if (reference) {
            if (reference.width !== img.width || reference.height !== img.height || reference.channels !== img.channels) {
              throw new Error(`--reference ${o.reference} is ${reference.width}×${reference.height}×${reference.channels}, the input ${img.width}×${img.height}×${img.channels}`);
            }
            const before = scoreImages(img, reference, { variant: 'deraining' });
            const after = scoreImages(restored, reference, { variant: 'deraining' });
            line += `\n  against ${o.reference}: input PSNR ${before.psnr.toFixed(2)} dB / SSIM ${before.ssim.toFixed(4)} → restored PSNR ${after.psnr.toFixed(2)} dB / SSIM ${after.ssim.toFixed(4)}`;
          }
          console.log(line);
        } catch (e) {
          bar?.stop();
          if (e instanceof RestoreAbortedError) break;
          // broken weights fail every image alike: stop at the first
          if (e instanceof NonFiniteError) throw e;
          failures++;
          process.stderr.write(`diff-mamba: ${file}: ${withoutPath((e as Error).message, file)}\n`);
        }
      }
      if (ac.signal.aborted) process.stderr.write('diff-mamba: stopped; images already written are kept\n');
      if (failures) process.exitCode = 1;
    });
}
