import { createWasmKernels, type WasmKernels } from './kernels.js';
import type { WasmKernelExports } from './exports.js';

/** What a worker of the threads build needs: the module, the shared memory, its index and its stack. */
export interface WasmWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** 1 … threads − 1 (the caller is thread 0). */
  ith: number;
  /** The top of this worker's stack in the shared memory (stacks grow down). */
  stackTop: number;
}

/**
 * Starts one worker (a Web Worker, or a Node worker thread) that runs `wasmWorkerMain(init)`;
 * the platform supplies it (node.ts for Node).
 */
export type WasmWorkerSpawner = (init: WasmWorkerInit) => void;

// the module's memory limits (scripts/build-wasm.mjs: --initial-memory 16 MB, --max-memory 4 GB), in 64 KB pages
const INITIAL_PAGES = 256;
const MAX_PAGES = 65536;
/** Each worker's stack: the size the caller's instance links with (-z stack-size). */
export const WORKER_STACK_BYTES = 1 << 20;

/** Whether this runtime can share WebAssembly memory between threads (in browsers: a cross-origin isolated page). */
export function canShareWasmMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false;
}

/**
 * The body of a worker (Node's worker thread calls it; a Web Worker gets its source text, so it
 * may use globals only): its own instance over the shared memory and stack; waits (in
 * JavaScript) for each job and runs its share. Never returns: a share that traps is reported
 * to the caller (dm_worker_trapped) and the worker goes on with the next job.
 */
export function wasmWorkerMain(init: WasmWorkerInit): void {
  const ex = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as {
    __stack_pointer: WebAssembly.Global; dm_worker_gen_at(): number; dm_worker_join(): void; dm_worker_step(ith: number, seen: number): number; dm_worker_trapped(): void;
  };
  const gen = new Int32Array(init.memory.buffer);
  const at = ex.dm_worker_gen_at() >> 2;
  let seen = Atomics.load(gen, at);
  ex.dm_worker_join();
  for (;;) {
    Atomics.wait(gen, at, seen);
    ex.__stack_pointer.value = init.stackTop;
    try {
      seen = ex.dm_worker_step(init.ith, seen);
    } catch {
      // the share trapped: the job was posted after `seen`, so it is the one now counted
      seen = Atomics.load(gen, at);
      ex.dm_worker_trapped();
    }
  }
}

/**
 * The threads of one instance of the threads build: how many are wanted, how many run. The
 * workers start asynchronously; until all of them are parked the calls run on the caller alone
 * (beforeCall turns them on at the first call after that), so results never wait on them.
 */
export class WasmThreads {
  active = 1;
  constructor(readonly wanted: number) {}

  beforeCall(ex: WasmKernelExports): void {
    if (this.active < this.wanted && ex.dm_parked_workers!() >= this.wanted - 1) this.active = ex.dm_set_threads!(this.wanted);
  }

  /** Fails when a worker's share of the call just made trapped (its outputs are then incomplete). */
  afterCall(ex: WasmKernelExports): void {
    if (ex.dm_take_worker_trap!()) throw new Error('wasm kernels: a worker thread trapped in this call (memory access out of bounds?); its result is incomplete');
  }

  /** Resolves once every worker is parked (and turns them on), or after timeoutMs with the threads then running. */
  ready(ex: WasmKernelExports, timeoutMs = 30_000): Promise<number> {
    const start = Date.now();
    return new Promise((resolve) => {
      const poll = (): void => {
        this.beforeCall(ex);
        if (this.active >= this.wanted || Date.now() - start > timeoutMs) resolve(this.active);
        else setTimeout(poll, 2);
      };
      poll();
    });
  }
}

/** A new memory for the threads build, shared between the caller's instance and the workers'. */
export function newSharedWasmMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
}

/**
 * The wasm kernels on `threads` threads over the caller's `instance` of the threads build
 * (`module`) on the shared `memory`: threads − 1 workers started by `spawn`, each with its own
 * stack carved out of that memory. The calling thread never blocks (it spins while the workers
 * finish its call's last shares), so it may be a browser's main thread.
 */
export function startThreadedWasmKernels(module: WebAssembly.Module, memory: WebAssembly.Memory, instance: WebAssembly.Instance, threads: number, spawn: WasmWorkerSpawner): WasmKernels {
  const pool = new WasmThreads(Math.max(1, Math.floor(threads)));
  const kernels = createWasmKernels(instance, { memory, threads: pool });
  const alloc = instance.exports.dm_alloc as (bytes: number) => number;
  for (let ith = 1; ith < pool.wanted; ith++) {
    const base = alloc(WORKER_STACK_BYTES);
    if (base === 0) throw new Error('the WebAssembly heap cannot hold the workers\' stacks');
    spawn({ module, memory, ith, stackTop: (base + WORKER_STACK_BYTES) & ~15 });
  }
  return kernels;
}

/** startThreadedWasmKernels with the caller's instance made synchronously (Node, workers). */
export function createThreadedWasmKernels(module: WebAssembly.Module, threads: number, spawn: WasmWorkerSpawner): WasmKernels {
  const memory = newSharedWasmMemory();
  return startThreadedWasmKernels(module, memory, new WebAssembly.Instance(module, { env: { memory } }), threads, spawn);
}
