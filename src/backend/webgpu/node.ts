/**
 * The webgpu backend in Node: the device lives in a worker thread (node-worker.ts), because
 * WebGPU answers asynchronously and the kernel boundary is synchronous; each kernel call posts
 * its job and sleeps on a shared flag until the worker has answered, then takes the answer off
 * the port. Needs the optional `webgpu` package (Dawn) and an adapter.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { GpuJob } from './job.js';
import { createWebgpuKernels, type WebgpuKernels } from './kernels.js';

type Answer = { error: string } | { adapter: string; fallback: boolean } | { outputs: Float32Array[] };

class DeviceThread {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./node-worker.js', import.meta.url), { workerData: { flag: this.signal.buffer, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.port.unref();
  }

  /** Sends a message and waits for the worker's answer. */
  call(message: unknown, transfer: ArrayBuffer[] = []): Answer {
    Atomics.store(this.signal, 0, 0);
    this.worker.postMessage(message, transfer);
    // a wait can end before the flag is raised (V8 wakes waiters to run interrupts, e.g. when
    // another thread grows a shared WebAssembly memory): wait again until it is
    while (Atomics.load(this.signal, 0) === 0) Atomics.wait(this.signal, 0, 0);
    const got = receiveMessageOnPort(this.port);
    if (!got) throw new Error('webgpu: the device thread woke without an answer');
    return got.message as Answer;
  }
}

/** A view that spans less than its buffer is copied, so only its elements cross to the worker. */
function compact(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

/** The webgpu kernels on the first adapter the `webgpu` package finds, or why there are none. */
export function loadWebgpuKernels(): WebgpuKernels | string {
  let thread: DeviceThread;
  try {
    thread = new DeviceThread();
  } catch (e) {
    return `the WebGPU device thread did not start: ${(e as Error).message}`;
  }
  const opened = thread.call({ type: 'open' });
  if ('error' in opened) return opened.error;
  if (!('adapter' in opened)) return 'the WebGPU device thread answered out of turn';
  const run = (job: GpuJob): Float32Array[] => {
    const sent = { ...job, inputs: job.inputs.map(compact), outputInit: job.outputInit?.map((a) => (a ? compact(a) : a)) };
    const answer = thread.call({ type: 'run', job: sent });
    if ('error' in answer) throw new Error(answer.error);
    if (!('outputs' in answer)) throw new Error('webgpu: the device thread answered out of turn');
    return answer.outputs;
  };
  return createWebgpuKernels(run, opened.adapter, { parallelScan: !opened.fallback });
}
