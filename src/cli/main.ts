#!/usr/bin/env node
// first: strips --profile from process.argv and sets DIFF_MAMBA_PROFILE before any kernel runs
import './profile-flag.js';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../restore/bundled.js';
import { registerRestore } from './commands/restore.js';
import { registerTrain } from './commands/train.js';
import { registerEval } from './commands/eval.js';
import { registerDegrade } from './commands/degrade.js';
import { registerConvert } from './commands/convert.js';
import { registerInfo } from './commands/info.js';
import { registerBenchmark } from './commands/benchmark.js';
import { OutputExistsError } from '../io/output-exists.js';

const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
const program = new Command();
program.name('diff-mamba').description('Diff-Mamba image restoration (deraining, denoising, deblurring) on the CPU').version(pkg.version);
program.addHelpText('after', '\nAny command also takes --profile (anywhere on the line): time every kernel call and print a table\nper kernel on stderr at exit (--profile=shapes: per kernel shape; same as DIFF_MAMBA_PROFILE=1 / shapes).');
registerRestore(program);
registerTrain(program);
registerEval(program);
registerDegrade(program);
registerBenchmark(program);
registerConvert(program);
registerInfo(program);

// the authors' scripts spell it `-opt`
const argv = process.argv.map((a) => (a === '-opt' ? '--opt' : a));
program.parseAsync(argv).catch((e: Error) => {
  const hint = e instanceof OutputExistsError ? ' (add --force to replace)' : '';
  process.stderr.write(`diff-mamba: ${e.message}${hint}\n`);
  process.exit(1);
});
