import { registerBackend, useBackend } from '../index.js';
import { createWasmKernels, type WasmKernels } from './kernels.js';
import { canShareWasmMemory, newSharedWasmMemory, startThreadedWasmKernels, wasmWorkerMain, type WasmWorkerInit } from './threads.js';

/** Where the kernels' module comes from: its address, its bytes, a fetch response or a compiled module. */
export type WasmSource = string | URL | ArrayBuffer | Uint8Array<ArrayBuffer> | Response | WebAssembly.Module;

/**
 * Threads for the wasm kernels: with `threads` > 1, `threadsSource` (the threads build,
 * `diff-mamba/kernels-threads.wasm`) runs every kernel on that many threads (Web Workers
 * sharing its memory), where the runtime can share memory (a cross-origin isolated page);
 * elsewhere the one-thread `source` is used.
 */
export interface WasmThreadOptions {
  threads?: number;
  threadsSource?: WasmSource;
}

async function compileModule(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL) return compileResponse(await fetch(source));
  if (typeof Response !== 'undefined' && source instanceof Response) return compileResponse(source);
  return WebAssembly.compile(source as ArrayBuffer | Uint8Array<ArrayBuffer>);
}

// a Web Worker of the threads build runs threads.ts's wasmWorkerMain (it uses only globals) on its first message
const WORKER_SOURCE = `onmessage = (e) => (${wasmWorkerMain.toString()})(e.data);`;

function spawnWebWorker(init: WasmWorkerInit): void {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  new Worker(url).postMessage(init);
}

/**
 * Compiles and instantiates the kernels' module (asynchronously, as browsers require for large
 * modules); with threads, resolves once the workers run.
 */
export async function compileWasmKernels(source: WasmSource, opts: WasmThreadOptions = {}): Promise<WasmKernels> {
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  if (threads > 1 && opts.threadsSource !== undefined && canShareWasmMemory() && typeof Worker !== 'undefined') {
    const module = await compileModule(opts.threadsSource);
    const memory = newSharedWasmMemory();
    const k = startThreadedWasmKernels(module, memory, await WebAssembly.instantiate(module, { env: { memory } }), threads, spawnWebWorker);
    await k.ready;
    return k;
  }
  return createWasmKernels(await WebAssembly.instantiate(await compileModule(source)));
}

async function compileResponse(r: Response): Promise<WebAssembly.Module> {
  if (!r.ok) throw new Error(`cannot load the WebAssembly kernels from ${r.url || 'the response'}: HTTP ${r.status}`);
  return WebAssembly.compile(await r.arrayBuffer());
}

/** Compiles the kernels' module, registers it as the `wasm` backend and makes it the one in use. */
export async function useWasmKernels(source: WasmSource, opts: WasmThreadOptions = {}): Promise<WasmKernels> {
  const k = await compileWasmKernels(source, opts);
  registerBackend('wasm', () => k, () => k.releaseMemory());
  useBackend('wasm');
  return k;
}
