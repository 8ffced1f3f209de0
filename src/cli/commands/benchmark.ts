import type { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readImage, writeImage, toUint8HWC } from '../../io/image.js';
import { loadModel } from '../../model/checkpoint.js';
import { restoreImage } from '../../restore/image.js';
import { resolveTaskModel } from '../../restore/bundled.js';
import { psnr, ssim } from '../../metrics/index.js';
import { expandInputs } from '../files.js';
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
];

export function registerBenchmark(program: Command): void {
  program
    .command('benchmark')
    .description('restore and score the standard test sets found under a root folder (<root>/<set>/{input,target}) and print the table the papers print')
    .requiredOption('--data <root>', 'folder holding test sets such as Rain100L/, Test100/, GoPro/, each with input/ and target/')
    .option('--model <checkpoint>', 'checkpoint to evaluate')
    .option('--task <task>', 'bundled model when --model is not given', 'derain')
    .option('--sets <names>', 'comma-separated set names (default: every set found)')
    .option('--save <dir>', 'also write the restored images to <dir>/<set>/')
    .option('--steps <n>', 'DDIM sampling steps', '3')
    .option('--tile <px>', 'tile size (0 = whole image)', '256')
    .option('--limit <n>', 'only the first n images of each set')
    .action(async (o: { data: string; model?: string; task: string; sets?: string; save?: string; steps: string; tile: string; limit?: string }) => {
      if (!existsSync(o.data)) fail(`--data ${o.data} does not exist`);
      const found = readdirSync(o.data).filter((d) => existsSync(join(o.data, d, 'input')) && existsSync(join(o.data, d, 'target')) && statSync(join(o.data, d)).isDirectory());
      const wanted = o.sets ? o.sets.split(',') : [...KNOWN.map((k) => k.name).filter((n) => found.includes(n)), ...found.filter((f) => !KNOWN.some((k) => k.name === f)).sort()];
      for (const w of wanted) if (!found.includes(w)) fail(`set ${w} not found under ${o.data} (need ${w}/input and ${w}/target)`);
      if (wanted.length === 0) fail(`no test sets (<set>/input + <set>/target) under ${o.data}`);
      const { model } = loadModel(o.model ?? resolveTaskModel(o.task));
      const table: { set: string; n: number; psnr: number; ssim: number; y: boolean }[] = [];
      for (const set of wanted) {
        const y = KNOWN.find((k) => k.name === set)?.y ?? false;
        let { files } = expandInputs([join(o.data, set, 'input')]);
        if (o.limit) files = files.slice(0, Number(o.limit));
        const bar = progressBar(`${set} {bar} {value}/{total}`);
        bar?.start(files.length, 0);
        let sp = 0;
        let ss = 0;
        for (const f of files) {
          const name = f.slice(join(o.data, set, 'input').length + 1);
          const gtPath = join(o.data, set, 'target', name);
          if (!existsSync(gtPath)) fail(`${f} has no target ${gtPath}`);
          const img = await readImage(f);
          const out = await restoreImage(model, img, { steps: Number(o.steps), tile: Number(o.tile) });
          if (o.save) {
            mkdirSync(join(o.save, set), { recursive: true });
            await writeImage(join(o.save, set, name), out, { overwrite: true });
          }
          const a = toUint8HWC(out);
          const b = toUint8HWC(await readImage(gtPath));
          sp += psnr(a, b, { variant: 'deraining', yChannel: y });
          ss += ssim(a, b, { variant: 'deraining', yChannel: y });
          bar?.increment();
        }
        bar?.stop();
        table.push({ set, n: files.length, psnr: sp / files.length, ssim: ss / files.length, y });
      }
      console.log(`${'set'.padEnd(12)} images  PSNR (dB)  SSIM    channel`);
      for (const r of table) console.log(`${r.set.padEnd(12)} ${String(r.n).padStart(6)}  ${r.psnr.toFixed(2).padStart(9)}  ${r.ssim.toFixed(4)}  ${r.y ? 'Y' : 'RGB'}`);
      const avg = (k: 'psnr' | 'ssim') => table.reduce((a, r) => a + r[k], 0) / table.length;
      if (table.length > 1) console.log(`${'average'.padEnd(12)} ${''.padStart(6)}  ${avg('psnr').toFixed(2).padStart(9)}  ${avg('ssim').toFixed(4)}`);
    });
}
