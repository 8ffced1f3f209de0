/**
 * The webgpu backend in Node: the device lives in a worker thread (node-worker.ts) that the
 * engine calls through bridge.ts. Needs the optional `webgpu` package (Dawn) and an adapter.
 */
import { Worker } from 'node:worker_threads';
import { webgpuKernelsOver } from './bridge.js';
import type { WebgpuKernels } from './kernels.js';

/** The webgpu kernels on the first adapter the `webgpu` package finds, or why there are none. */
export function loadWebgpuKernels(): WebgpuKernels | string {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./node-worker.js', import.meta.url));
    worker.unref();
  } catch (e) {
    return `the WebGPU device thread did not start: ${(e as Error).message}`;
  }
  try {
    return webgpuKernelsOver(worker);
  } catch (e) {
    void worker.terminate();
    return (e as Error).message;
  }
}
