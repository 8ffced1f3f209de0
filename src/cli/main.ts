#!/usr/bin/env node
import '../backend/node.js';
// first: strips --profile and --backend from process.argv and sets their variables before any kernel runs
import './global-flags.js';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../io/package-root.js';
import { registerRestore } from './commands/restore.js';
import { registerTrain } from './commands/train.js';
import { registerEval } from './commands/eval.js';
import { registerDegrade } from './commands/degrade.js';
import { registerConvert } from './commands/convert.js';
import { registerInfo } from './commands/info.js';
import { registerBenchmark } from './commands/benchmark.js';
import { OutputExistsError } from '../io/output-exists.js';
import { isProjectError } from '../io/limits.js';

const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
const program = new Command();
program.name('diff-mamba').description('Diff-Mamba image restoration (deraining, denoising, deblurring) on the CPU').version(pkg.version);
program.addHelpText('after', [
  '\nAny command also takes, anywhere on the line:',
  '  --backend <name>  the kernels to run on: native (default), wasm, webgpu or js (same as DIFF_MAMBA_BACKEND)',
  '  --profile         time every kernel call and print a table per kernel on stderr at exit',
  '                    (--profile=shapes: per kernel shape; same as DIFF_MAMBA_PROFILE=1 / shapes)',
].join('\n'));
registerRestore(program);
registerTrain(program);
registerEval(program);
registerDegrade(program);
registerBenchmark(program);
registerConvert(program);
registerInfo(program);

/**
 * Every error ends here as one line, `diff-mamba: <message>`, never a stack trace. The
 * project's own errors are written for users; anything else (a bare TypeError, RangeError…)
 * is a bug, said so, still on one line.
 */
function report(e: unknown): never {
  if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') process.exit(0); // `diff-mamba info x | head`
  const err = e instanceof Error ? e : new Error(String(e));
  let message = err.message.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).join('; ') || err.name;
  if (message.length > 1000) message = `${message.slice(0, 999)}…`;
  if (e instanceof OutputExistsError) message += ' (add --force to replace)';
  else if (!isProjectError(err)) message = `unexpected error: ${message} (a bug in diff-mamba: please report it with the command that caused it)`;
  process.stderr.write(`diff-mamba: ${message}\n`);
  process.exit(1);
}

process.on('uncaughtException', report);
process.on('unhandledRejection', report);
process.stdout.on('error', report);

// the authors' scripts spell it `-opt`
const argv = process.argv.map((a) => (a === '-opt' ? '--opt' : a));
program.parseAsync(argv).catch(report);
