import type { Kernels } from './kernels.js';
import { jsKernels } from './js/index.js';
import { loadNativeKernels } from './native/index.js';
import { profileKernels } from './profile.js';

export type { Kernels } from './kernels.js';
export { jsKernels } from './js/index.js';
export { profileKernels, type ProfileRow } from './profile.js';
export { releaseNativeMemory, type NativeMemoryRelease } from './native/index.js';

let active: Kernels | null = null;
let nativeCache: Kernels | string | undefined;
let warned = false;

/** The native kernels if they built and loaded, else the reason they did not. */
export function nativeKernels(): Kernels | string {
  if (nativeCache === undefined) nativeCache = loadNativeKernels();
  return nativeCache;
}

/**
 * The backend in use. `native` when the addon built; DIFF_MAMBA_BACKEND=js forces the
 * portable kernels. The slow path is announced once on stderr. DIFF_MAMBA_PROFILE=1 times
 * every kernel call and prints a table per kernel when the process exits (`shapes`: per shape).
 */
export function kernels(): Kernels {
  if (active) return active;
  const wanted = process.env.DIFF_MAMBA_BACKEND;
  if (wanted === 'js') {
    active = jsKernels;
  } else {
    const nat = nativeKernels();
    if (typeof nat === 'string') {
      if (wanted === 'native') throw new Error(`DIFF_MAMBA_BACKEND=native but ${nat}`);
      if (!warned) {
        warned = true;
        process.stderr.write(`diff-mamba: ${nat}; running on the slow TypeScript kernels\n`);
      }
      active = jsKernels;
    } else {
      active = nat;
    }
  }
  if (process.env.DIFF_MAMBA_PROFILE && process.env.DIFF_MAMBA_PROFILE !== '0') active = startProfile(active);
  return active;
}

function startProfile(k: Kernels): Kernels {
  const profile = profileKernels(k, { byShape: process.env.DIFF_MAMBA_PROFILE === 'shapes' });
  const t0 = performance.now();
  process.on('exit', () => {
    process.stderr.write(`\ndiff-mamba profile (${k.name} backend, ${k.threads} thread${k.threads > 1 ? 's' : ''}):\n${profile.table(performance.now() - t0)}\n`);
  });
  return profile.kernels;
}

/** Switches the backend for everything that follows (tests compare the two). */
export function useBackend(name: 'js' | 'native'): Kernels {
  if (name === 'js') active = jsKernels;
  else {
    const nat = nativeKernels();
    if (typeof nat === 'string') throw new Error(`cannot use the native backend: ${nat}`);
    active = nat;
  }
  return active;
}
