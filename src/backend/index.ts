import type { Kernels } from './kernels.js';
import { jsKernels } from './js/index.js';
import { loadNativeKernels } from './native/index.js';

export type { Kernels } from './kernels.js';
export { jsKernels } from './js/index.js';

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
 * portable kernels. The slow path is announced once on stderr.
 */
export function kernels(): Kernels {
  if (active) return active;
  const wanted = process.env.DIFF_MAMBA_BACKEND;
  if (wanted === 'js') {
    active = jsKernels;
    return active;
  }
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
  return active;
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
