/**
 * The engine's side of the device thread, in Node and in browsers alike. The kernel boundary is
 * synchronous and WebGPU answers asynchronously, so the device lives in another thread (a
 * worker_threads Worker in Node, a Web Worker in a page) and each call posts its message there,
 * then sleeps on shared memory until the answer is written into it (serve.ts writes it). Answers
 * travel in shared memory, not messages, because a thread asleep in Atomics.wait receives no
 * messages, and browsers have no receiveMessageOnPort. Needs SharedArrayBuffer: in a page, cross-
 * origin isolation.
 */
import type { GpuJob } from './job.js';
import { createWebgpuKernels, type WebgpuKernels } from './kernels.js';

/** Where the engine posts to the device thread (a Worker, or a port to one). */
export interface DeviceInbox {
  postMessage(message: unknown): void;
}

/** Control words: [raised (0/1), status, answer bytes]. */
export const CONTROL_WORDS = 3;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;
/** The answer buffer is never smaller, so an error's text always fits. */
export const MIN_ANSWER_BYTES = 1 << 16;

/** What the engine sends: the request, the control words and the buffer the answer goes in. */
export type DeviceRequest = ({ type: 'open' } | { type: 'run'; job: GpuJob }) & { control: SharedArrayBuffer; answer: SharedArrayBuffer };

export class DeviceBridge {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  private answer = new SharedArrayBuffer(MIN_ANSWER_BYTES);

  constructor(private readonly inbox: DeviceInbox) {}

  /** Posts a request and sleeps until the device thread has answered; an error answer throws. */
  private call(request: { type: 'open' } | { type: 'run'; job: GpuJob }, answerBytes: number): Uint8Array {
    if (this.answer.byteLength < answerBytes) this.answer = new SharedArrayBuffer(answerBytes);
    Atomics.store(this.control, 0, 0);
    this.inbox.postMessage({ ...request, control: this.control.buffer, answer: this.answer });
    // a wait can end before the flag is raised (V8 wakes waiters to run interrupts, e.g. when
    // another thread grows a shared WebAssembly memory): wait again until it is
    while (Atomics.load(this.control, 0) === 0) Atomics.wait(this.control, 0, 0);
    const bytes = new Uint8Array(this.answer, 0, Atomics.load(this.control, 2));
    if (Atomics.load(this.control, 1) === STATUS_ERROR) throw new Error(new TextDecoder().decode(bytes.slice()));
    return bytes;
  }

  /** Opens the device thread's adapter: its name and whether it is a CPU implementation. */
  open(): { adapter: string; fallback: boolean } {
    return JSON.parse(new TextDecoder().decode(this.call({ type: 'open' }, MIN_ANSWER_BYTES).slice())) as { adapter: string; fallback: boolean };
  }

  /** Runs a job on the device: its outputs, copied out of the shared answer. */
  run(job: GpuJob): Float32Array[] {
    const sent = { ...job, inputs: job.inputs.map(compact), outputInit: job.outputInit?.map((a) => (a ? compact(a) : a)) };
    const total = job.outputs.reduce((s, n) => s + n, 0);
    const bytes = this.call({ type: 'run', job: sent }, Math.max(MIN_ANSWER_BYTES, 4 * total));
    let at = bytes.byteOffset;
    return job.outputs.map((n) => {
      const out = new Float32Array(bytes.buffer, at, n).slice();
      at += 4 * n;
      return out;
    });
  }
}

/** A view that spans less than its buffer is copied, so only its elements cross to the device thread. */
function compact(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

/** The webgpu kernels over a device thread that serve.ts answers in; an adapter that cannot open throws its reason. */
export function webgpuKernelsOver(inbox: DeviceInbox): WebgpuKernels {
  const bridge = new DeviceBridge(inbox);
  const opened = bridge.open();
  return createWebgpuKernels((job) => bridge.run(job), opened.adapter, { parallelScan: !opened.fallback });
}
