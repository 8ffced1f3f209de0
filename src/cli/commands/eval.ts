import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readImage } from '../../io/image.js';
import { meanScores, scoreImages, type MetricVariant } from '../../metrics/index.js';
import { expandInputs } from '../files.js';
import { fail } from '../progress.js';
import { intFlag, MAX_PIXELS_HELP, maxPixelsFlag, UsageError } from './flags.js';

export interface EvalRow {
  name: string;
  psnr: number;
  ssim: number;
}

/** Scores every prediction against the target of the same name. */
export async function evaluateFolders(pred: string, gt: string, o: { y: boolean; crop: number; variant: MetricVariant; maxPixels?: number }): Promise<{ rows: EvalRow[]; missing: string[] }> {
  for (const [flag, dir] of [['--pred', pred], ['--gt', gt]] as const) {
    if (!existsSync(dir)) throw new UsageError(`${flag} ${dir}: no such folder`);
    if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir}: not a folder`);
  }
  const { files } = expandInputs([pred]);
  const rows: EvalRow[] = [];
  const missing: string[] = [];
  for (const f of files) {
    const g = join(gt, basename(f));
    if (!existsSync(g)) {
      missing.push(basename(f));
      continue;
    }
    const s = scoreImages(await readImage(f, { maxPixels: o.maxPixels }), await readImage(g, { maxPixels: o.maxPixels }), { variant: o.variant, yChannel: o.y, cropBorder: o.crop });
    rows.push({ name: basename(f), ...s });
  }
  return { rows, missing };
}

export function printTable(rows: EvalRow[], title?: string): void {
  const w = Math.max(5, ...rows.map((r) => r.name.length));
  if (title) console.log(title);
  console.log(`${'image'.padEnd(w)}  PSNR (dB)  SSIM`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.psnr.toFixed(3).padStart(9)}  ${r.ssim.toFixed(4)}`);
  const m = meanScores(rows);
  console.log(`${'mean'.padEnd(w)}  ${m.psnr.toFixed(3).padStart(9)}  ${m.ssim.toFixed(4)}`);
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('PSNR / SSIM of restored images against their targets, as the authors compute them')
    .requiredOption('--pred <dir>', 'restored images')
    .requiredOption('--gt <dir>', 'ground truth (same file names)')
    .option('--y', 'measure on the Y channel (BT.601)')
    .option('--crop <n>', 'crop this many border pixels', '0')
    .option('--variant <v>', "'deraining' (the evaluation script behind the paper's tables) or 'basicsr' (validation-time)", 'deraining')
    .option('--json', 'print JSON')
    .option('--max-pixels <n>', MAX_PIXELS_HELP)
    .action(async (o: { pred: string; gt: string; y?: boolean; crop: string; variant: string; json?: boolean; maxPixels?: string }) => {
      const crop = intFlag('crop', o.crop, 0, 100_000);
      if (o.variant !== 'deraining' && o.variant !== 'basicsr') fail(`--variant must be 'deraining' or 'basicsr', got '${o.variant}'`);
      const maxPixels = maxPixelsFlag(o.maxPixels);
      const { rows, missing } = await evaluateFolders(o.pred, o.gt, { y: !!o.y, crop, variant: o.variant, maxPixels });
      for (const m of missing) process.stderr.write(`diff-mamba: ${m} has no target in ${o.gt}\n`);
      if (rows.length === 0) fail(`no prediction in ${o.pred} has a target in ${o.gt}`);
      if (o.json) {
        const mean = meanScores(rows);
        console.log(JSON.stringify({ images: rows, mean, missing }, null, 2));
      } else printTable(rows);
      if (missing.length) process.exitCode = 1;
    });
}
