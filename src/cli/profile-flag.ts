/**
 * `--profile` (or `--profile=shapes`), accepted anywhere on the command line before a `--`:
 * removed from process.argv and turned into DIFF_MAMBA_PROFILE=1 (or `shapes`) so that the
 * backend (src/backend/index.ts kernels()) wraps every kernel in the profiler and prints its
 * table per kernel on stderr when the process exits. Imported first by main.ts, so it runs
 * before any other module could touch a kernel. An explicit DIFF_MAMBA_PROFILE is kept.
 */
export function takeProfileFlag(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  let mode: string | null = null;
  const kept = head.filter((a) => {
    if (a === '--profile') mode = '1';
    else if (a === '--profile=shapes' || a === '--profile=1') mode = a.slice('--profile='.length);
    else return true;
    return false;
  });
  if (mode !== null && (!env.DIFF_MAMBA_PROFILE || env.DIFF_MAMBA_PROFILE === '0')) env.DIFF_MAMBA_PROFILE = mode;
  return [...kept, ...tail];
}

process.argv = takeProfileFlag(process.argv, process.env);
