/** Running one benchmark case in a child process (own peak RSS) and the PyTorch helpers the model and train groups share. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './harness.js';
import type { Roofline } from './roofline.js';

/** The repository root, from dist/bench/. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON = '/usr/bin/python3';

/** Options of the model and train groups: `--no-reference` skips the slow PyTorch reference runs. */
export interface ModelBenchOptions extends BenchOptions {
  reference?: boolean;
  /** The machine's roofline measured at the start of the run, or why it was not. */
  roofline?: Roofline | string;
}

/** The PyTorch reference program (bench/reference/diffmamba_ref.py, the authors' math). */
export function referenceDir(): string {
  return join(repoRoot, 'bench', 'reference');
}

export interface CaseTiming {
  ms: number;
  /** Peak resident set of the process that ran the case, KB. */
  rss_kb: number;
  /** Work of one run, counted by the kernel profiler (bench/work.ts countWork), when the child counts it. */
  flops?: number;
  updates?: number;
}

/** Runs `script --child <json>` in a fresh node (extra environment variables in `env`) and reads its last stdout line as JSON. */
export function runChild<T extends CaseTiming = CaseTiming>(script: string, spec: unknown, env: Record<string, string> = {}): T | string {
  const r = spawnSync(process.execPath, [script, '--child', JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) return `child failed (${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-1500)}`;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    return `child printed no result: ${line.slice(0, 200)}`;
  }
}

let torchCheck: true | string | undefined;

/** Whether Debian's PyTorch and the reference program are usable, or why not. */
export function torchAvailable(): true | string {
  if (torchCheck !== undefined) return torchCheck;
  if (!existsSync(PYTHON)) torchCheck = `${PYTHON} not found`;
  else if (!existsSync(join(referenceDir(), 'diffmamba_ref.py'))) torchCheck = `no ${join(referenceDir(), 'diffmamba_ref.py')}`;
  else {
    const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    torchCheck = r.status === 0 ? true : `${PYTHON} cannot import torch`;
  }
  return torchCheck;
}

/** Why the reference is not run, or null when it is. */
export function referenceSkipped(opts: ModelBenchOptions): string | null {
  if (!opts.torch) return 'skipped (--no-torch)';
  if (opts.reference === false) return 'skipped (--no-reference)';
  const a = torchAvailable();
  return a === true ? null : `skipped: ${a}`;
}

/** Times one case of bench/torch_model.py in its own python process. */
export function runTorchCase(spec: Record<string, unknown>): CaseTiming | string {
  const script = join(repoRoot, 'bench', 'torch_model.py');
  const payload = JSON.stringify({ reference: referenceDir(), ...spec });
  const r = spawnSync(PYTHON, [script], { input: payload, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `PyTorch run failed (${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-800)}`;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as CaseTiming;
  } catch {
    return `PyTorch printed no result: ${line.slice(0, 200)}`;
  }
}

/** MemAvailable from /proc/meminfo in KB (Infinity where unknown). */
export function memAvailableKb(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}

export function mb(kb: number): string {
  return kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(2)} GB` : `${(kb / 1024).toFixed(0)} MB`;
}

/** Whether this module was started as the script itself (a child run). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(url);
}
