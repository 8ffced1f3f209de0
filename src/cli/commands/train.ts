import type { Command } from 'commander';
import { loadOptions, describeIgnoredKeys } from '../../train/options.js';
import { Trainer } from '../../train/trainer.js';
import { abortOnSigint, progressBar } from '../progress.js';

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description("train a model from one of the authors' BasicSR option files (coarse or fine stage)")
    .requiredOption('--opt <options.yml>', 'option file (-opt works too, as in the authors\' scripts)')
    .option('--resume <state>', 'training state to resume from (experiments/<name>/training_states/<iter>.state)')
    .action(async (o: { opt: string; resume?: string }) => {
      const opts = loadOptions(o.opt);
      for (const line of describeIgnoredKeys(opts)) process.stderr.write(`note: ${line}\n`);
      for (const w of opts.warnings) process.stderr.write(`warning: ${w}\n`);
      const bar = progressBar('{bar} {value}/{total} | loss {loss} | lr {lr} | {speed} it/s | batch {batch} | ETA {eta_formatted}');
      const trainer = await Trainer.create(
        opts,
        {
          onIteration: (i) => {
            if (!bar) return;
            if (!bar.isActive) bar.start(i.total, i.iter);
            bar.update(i.iter, { loss: i.loss.toExponential(3), lr: i.lr.toExponential(2), speed: i.itPerSec.toFixed(2), batch: `${i.batch}×${i.patch}²` });
          },
          onLog: (line) => {
            if (bar?.isActive) bar.stop();
            process.stderr.write(`${line}\n`);
          },
        },
        o.resume,
      );
      const ac = abortOnSigint('saving a checkpoint after this iteration');
      const r = await trainer.run(ac.signal);
      bar?.stop();
      console.log(`${r.stopped ? 'stopped' : 'finished'} at iteration ${r.iter}; last loss ${r.lastLoss.toExponential(4)}${r.lastPsnr !== null ? `, validation PSNR ${r.lastPsnr.toFixed(2)} dB` : ''}`);
      console.log(`models: ${opts.path.models}; log: ${trainer.logFile}`);
    });
}
