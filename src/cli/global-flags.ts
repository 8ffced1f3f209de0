/**
 * Flags every command takes, anywhere on the command line before a `--`, turned into the
 * environment the engine reads before any other module could touch a kernel (main.ts imports
 * this first):
 * - `--profile` (or `--profile=shapes`) → DIFF_MAMBA_PROFILE=1 (or `shapes`): the backend
 *   (src/backend/index.ts kernels()) times every kernel call and prints a table per kernel on
 *   stderr at exit. An explicit DIFF_MAMBA_PROFILE is kept.
 * - `--backend <name>` (or `--backend=<name>`) → DIFF_MAMBA_BACKEND: js, native, wasm or webgpu.
 *   The flag wins over the variable, as the nearer choice.
 * - `--precision <p>` (or `--precision=<p>`) → DIFF_MAMBA_PRECISION: fp32 or bf16 (the native
 *   kernels' matrix products and convolutions on AVX512_BF16 CPUs). The flag wins too.
 */
import { BACKEND_NAMES } from '../backend/index.js';
import { isPrecision, PRECISIONS } from '../backend/native/index.js';

export class GlobalFlagError extends Error {}

export function takeGlobalFlags(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  let mode: string | null = null;
  let backend: string | null = null;
  let precision: string | null = null;
  const kept: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const a = head[i];
    if (a === '--profile') mode = '1';
    else if (a === '--profile=shapes' || a === '--profile=1') mode = a.slice('--profile='.length);
    else if (a === '--backend') {
      backend = head[i + 1] ?? '';
      i++;
    } else if (a.startsWith('--backend=')) backend = a.slice('--backend='.length);
    else if (a === '--precision') {
      precision = head[i + 1] ?? '';
      i++;
    } else if (a.startsWith('--precision=')) precision = a.slice('--precision='.length);
    else kept.push(a);
  }
  if (backend !== null) {
    if (!(BACKEND_NAMES as readonly string[]).includes(backend)) {
      throw new GlobalFlagError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, got '${backend}'`);
    }
    env.DIFF_MAMBA_BACKEND = backend;
  }
  if (precision !== null) {
    if (!isPrecision(precision)) {
      throw new GlobalFlagError(`--precision must be one of ${PRECISIONS.join(', ')}, got '${precision}'`);
    }
    env.DIFF_MAMBA_PRECISION = precision;
  }
  if (mode !== null && (!env.DIFF_MAMBA_PROFILE || env.DIFF_MAMBA_PROFILE === '0')) env.DIFF_MAMBA_PROFILE = mode;
  return [...kept, ...tail];
}

try {
  process.argv = takeGlobalFlags(process.argv, process.env);
} catch (e) {
  if (!(e instanceof GlobalFlagError)) throw e;
  process.stderr.write(`diff-mamba: ${e.message}\n`);
  process.exit(2);
}
