import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { makeDirs, removeStaleTempFiles } from '../../io/atomic.js';
import { limit } from '../../io/limits.js';
import { OutputExistsError } from '../../io/output-exists.js';
import { resolveTaskModel, TASKS } from '../../restore/bundled.js';

/**
 * Checking the command line before any work: every flag's range, the output folder, the
 * inputs. Each refusal is a UsageError whose message names the flag as the user typed it.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An integer flag in [min, max]. */
export function intFlag(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got '${v}'`);
  }
  return n;
}

/** A number flag in [min, max]. */
export function numFlag(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${v}'`);
  return n;
}

/**
 * --max-pixels: a pixel count, with an optional M (megapixels) suffix ('40M' = 40,000,000);
 * default the maxPixels limit (40 MP, or DIFF_MAMBA_MAX_PIXELS).
 */
export function maxPixelsFlag(v: string | undefined): number {
  if (v === undefined) return limit('maxPixels');
  const m = /^\s*([0-9.eE+_]+)\s*(m|mp)?\s*$/i.exec(v);
  const n = m ? Number(m[1].replace(/_/g, '')) * (m[2] ? 1e6 : 1) : NaN;
  if (!Number.isFinite(n) || n < 1) throw new UsageError(`--max-pixels must be a positive pixel count (e.g. 40000000 or 40M), got '${v}'`);
  return Math.floor(n);
}

export const MAX_PIXELS_HELP = `largest image accepted, in pixels (e.g. 40M; default ${limit('maxPixels') / 1e6} MP, or DIFF_MAMBA_MAX_PIXELS): a restoration costs minutes per megapixel on a CPU`;

/**
 * --tile and --overlap: 0 (the whole image) or a multiple of 8 from 32 to 4096, and an overlap
 * under half the tile. Smaller tiles or larger overlaps only multiply the network calls (--tile 8
 * turns one call into thousands).
 */
export function tileFlags(tileArg: string, overlapArg: string): { tile: number; overlap: number } {
  const tile = intFlag('tile', tileArg, 0, 4096);
  const overlap = intFlag('overlap', overlapArg, 0, 4096);
  if (tile !== 0 && (tile % 8 !== 0 || tile < 32)) throw new UsageError(`--tile must be 0 (the whole image) or a multiple of 8 from 32 to 4096, got '${tileArg}'`);
  if (tile !== 0 && overlap * 2 >= tile) throw new UsageError(`--overlap must be less than half of --tile (${tile}), got '${overlapArg}'`);
  return { tile, overlap };
}

/**
 * The folder outputs go to: refused when it is a file; made (like mkdir -p) and probed with a
 * small write, so an unwritable place fails before any work.
 */
export function checkOutputFolder(flag: string, dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir}: is a file, not a folder (give a folder for the outputs)`);
  const probe = join(dir, `.diff-mamba-write-test-${process.pid}`);
  try {
    makeDirs(dir);
    removeStaleTempFiles(dir);
    writeFileSync(probe, 'ok\n');
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new UsageError(`${flag} ${dir}: cannot create or write the folder (${code ?? (e as Error).message})`);
  }
}

/**
 * Inputs that do not exist or are not files, reported at once (before any work) and left
 * out; returns the others. None left is an error.
 */
export function existingInputs(files: string[]): { files: string[]; missing: number } {
  const ok: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) process.stderr.write(`diff-mamba: ${f}: no such file\n`);
    else if (!statSync(f).isFile()) process.stderr.write(`diff-mamba: ${f}: not an image file\n`);
    else ok.push(f);
  }
  if (ok.length === 0) throw new UsageError('no input images');
  return { files: ok, missing: files.length - ok.length };
}

/** A file a flag names (--reference, --model …): it must exist and be a file. */
export function checkFileFlag(flag: string, path: string): void {
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such file`);
  if (!statSync(path).isFile()) throw new UsageError(`${flag} ${path}: not a file`);
}

/**
 * Where each input's output goes (`<dir>/<name>`), refused before any work when two inputs
 * share a name, an output would replace its input, or (without --force) outputs exist.
 */
export function plannedOutputs(files: string[], dir: string, force: boolean): string[] {
  const outs = files.map((f) => join(dir, basename(f)));
  const seen = new Map<string, string>();
  outs.forEach((out, i) => {
    const key = resolve(out);
    if (key === resolve(files[i])) throw new UsageError(`${files[i]}: the output would overwrite the input; choose another --output folder`);
    const other = seen.get(key);
    if (other !== undefined) throw new UsageError(`${other} and ${files[i]} would both be written to ${out}; restore them into different --output folders`);
    seen.set(key, files[i]);
  });
  const existing = outs.filter((o) => existsSync(o));
  if (existing.length && !force) throw new OutputExistsError(existing);
  return outs;
}

/** A message without a leading `<file>: ` when the caller prints the file itself. */
export function withoutPath(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

/** --task: one of the bundled models. */
export function taskFlag(v: string): string {
  if (!(TASKS as readonly string[]).includes(v)) throw new UsageError(`--task must be ${TASKS.join(', ')}, got '${v}'`);
  return v;
}

/** The bundled model of --task, or a UsageError (an unknown task, a missing model file). */
export function taskModel(task: string): string {
  taskFlag(task);
  try {
    return resolveTaskModel(task);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
