import { nativeKernels, useBackend } from '../../src/backend/index.js';

/** The backends to run a suite on: js always, native when it built. */
export function availableBackends(): ('js' | 'native')[] {
  return typeof nativeKernels() === 'string' ? ['js'] : ['js', 'native'];
}

/** Runs fn with the given backend active, restoring the previous default afterwards. */
export function withBackend<T>(name: 'js' | 'native', fn: () => T): T {
  useBackend(name);
  try {
    return fn();
  } finally {
    useBackend(availableBackends().includes('native') ? 'native' : 'js');
  }
}
