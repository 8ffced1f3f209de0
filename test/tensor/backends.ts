import '../../src/backend/node.js';
import { backendKernels, useBackend, type BackendName } from '../../src/backend/index.js';

/** The backends to run a suite on: js always, native, wasm and webgpu where they load. */
export function availableBackends(): BackendName[] {
  return (['js', 'native', 'wasm', 'webgpu'] as const).filter((name) => typeof backendKernels(name) !== 'string');
}

/** Runs fn with the given backend active, restoring the previous default afterwards. */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  useBackend(name);
  try {
    return fn();
  } finally {
    useBackend(availableBackends().includes('native') ? 'native' : 'js');
  }
}

/** withBackend for work that awaits: the backend stays active until the promise settles. */
export async function withBackendAsync<T>(name: BackendName, fn: () => Promise<T>): Promise<T> {
  useBackend(name);
  try {
    return await fn();
  } finally {
    useBackend(availableBackends().includes('native') ? 'native' : 'js');
  }
}
