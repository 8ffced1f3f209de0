import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../../io/package-root.js';
import { defaultThreadCount } from '../native/index.js';
import { createWasmKernels, type WasmKernels } from './kernels.js';
import { canShareWasmMemory, createThreadedWasmKernels, type WasmWorkerInit } from './threads.js';

/** The kernels' WebAssembly module in the package (built by scripts/build-wasm.mjs, shipped). */
export function wasmModulePath(): string {
  return join(packageRoot(), 'native', 'diffmamba_kernels.wasm');
}

/** The threads build of the same kernels (shared memory, workers). */
export function wasmThreadsModulePath(): string {
  return join(packageRoot(), 'native', 'diffmamba_kernels_threads.wasm');
}

/** Starts a worker thread for the threads build; it never keeps the process alive. */
export function spawnNodeWasmWorker(init: WasmWorkerInit): void {
  // execArgv: none of the parent's flags (under `node -e`, inheriting them would run the eval'd
  // script in the worker instead of this file)
  const worker = new Worker(new URL('./node-worker.js', import.meta.url), { workerData: init, execArgv: [] });
  // a worker that fails never parks, and the kernels stay on the threads that did
  worker.on('error', () => {});
  worker.unref();
}

/** The wasm backend's threads: DIFF_MAMBA_THREADS when it is set, else one (the threads build is opt-in in Node). */
export function wasmThreadCount(): number {
  const env = process.env.DIFF_MAMBA_THREADS;
  return env !== undefined && env.trim() !== '' ? defaultThreadCount() : 1;
}

/**
 * The wasm kernels from the module on disk (compiled synchronously), or why they cannot load.
 * With threads > 1 (default: wasmThreadCount()) and the threads build beside it, the kernels
 * run on that many threads once the workers have started (`ready`).
 */
export function loadWasmKernelsFromFile(path: string = wasmModulePath(), threads: number = wasmThreadCount()): WasmKernels | string {
  if (!existsSync(path)) return `the WebAssembly kernels are missing (${path}; build them with \`node scripts/build-wasm.mjs\`)`;
  const threadsPath = path === wasmModulePath() ? wasmThreadsModulePath() : null;
  try {
    if (threads > 1 && threadsPath && existsSync(threadsPath) && canShareWasmMemory())
      return createThreadedWasmKernels(new WebAssembly.Module(readFileSync(threadsPath)), threads, spawnNodeWasmWorker);
    return createWasmKernels(new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path))));
  } catch (e) {
    return `the WebAssembly kernels at ${threads > 1 && threadsPath ? threadsPath : path} failed to load: ${(e as Error).message}`;
  }
}
