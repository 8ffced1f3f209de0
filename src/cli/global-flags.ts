/**
 * Flags every command takes, anywhere on the command line before a `--`, turned into the
 * environment the engine reads before any other module could touch a kernel (main.ts imports
 * this first):
 * - `--profile` (or `--profile=shapes`) → DIFF_MAMBA_PROFILE=1 (or `shapes`): the backend
 *   (src/backend/index.ts kernels()) times every kernel call and prints a table per kernel on
 *   stderr at exit. An explicit DIFF_MAMBA_PROFILE is kept.
 * - `--backend <name>` (or `--backend=<name>`) → DIFF_MAMBA_BACKEND: js, native, wasm or webgpu.
 *   The flag wins over the variable, as the nearer choice.
 */
import { BACKEND_NAMES } from '../backend/index.js';

export class GlobalFlagError extends Error {}

export function takeGlobalFlags(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  let mode: string | null = null;
  let backend: string | null = null;
  const kept: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const a = head[i];
    if (a === '--profile') mode = '1';
    else if (a === '--profile=shapes' || a === '--profile=1') mode = a.slice('--profile='.length);
    else if (a === '--backend') {
      backend = head[i + 1] ?? '';
      i++;
    } else if (a.startsWith('--backend=')) backend = a.slice('--backend='.length);
    else kept.push(a);
  }
  if (backend !== null) {
    if (!(BACKEND_NAMES as readonly string[]).includes(backend)) {
      throw new GlobalFlagError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, got '${backend}'`);
    }
    env.DIFF_MAMBA_BACKEND = backend;
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
