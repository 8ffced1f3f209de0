/**
 * The device thread's side (bridge.ts is the engine's): opens an adapter, runs each job it is
 * sent and writes the answer into the shared buffer the request brought, then raises the flag
 * the engine sleeps on. The same code runs in Node's worker (node-worker.ts) and in a page's
 * Web Worker (serveWebgpuDevice).
 */
import { CONTROL_WORDS, STATUS_ERROR, STATUS_OK, type DeviceRequest } from './bridge.js';
import { GpuRunner, openDevice } from './device.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Marks the answer written (its status and length) and wakes the engine. */
function raise(request: DeviceRequest, status: number, bytes: number): void {
  const control = new Int32Array(request.control, 0, CONTROL_WORDS);
  Atomics.store(control, 1, status);
  Atomics.store(control, 2, bytes);
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 0);
}

/** A text answer, cut to the answer's room (never under MIN_ANSWER_BYTES). */
function answerText(request: DeviceRequest, status: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  const room = new Uint8Array(request.answer);
  const n = Math.min(bytes.length, room.length);
  room.set(bytes.subarray(0, n));
  raise(request, status, n);
}

/**
 * Serves requests with the GPU `getGpu` gives (or the reason it gives none): `listen` registers
 * the handler of the thread's incoming messages. `hint` is added to a failure to find an adapter.
 */
export function serveDevice(getGpu: () => Promise<GPU | string>, listen: (handler: (request: DeviceRequest) => void) => void, hint = ''): void {
  let runner: GpuRunner | null = null;
  const open = async (request: DeviceRequest) => {
    const gpu = await getGpu();
    if (typeof gpu === 'string') return answerText(request, STATUS_ERROR, gpu);
    const opened = await openDevice(gpu);
    if (typeof opened === 'string') return answerText(request, STATUS_ERROR, `${opened}${hint}`);
    runner = new GpuRunner(opened.device);
    answerText(request, STATUS_OK, JSON.stringify({ adapter: opened.adapter, fallback: opened.fallback }));
  };
  const run = async (request: DeviceRequest & { type: 'run' }) => {
    if (!runner) return answerText(request, STATUS_ERROR, 'webgpu: the device thread was sent a job before it opened a device');
    const outputs = await runner.run(request.job);
    const total = outputs.reduce((s, o) => s + o.length, 0);
    if (4 * total > request.answer.byteLength) throw new Error(`webgpu: ${total} output floats do not fit the ${request.answer.byteLength}-byte answer`);
    const room = new Float32Array(request.answer, 0, total);
    let at = 0;
    for (const o of outputs) {
      room.set(o, at);
      at += o.length;
    }
    raise(request, STATUS_OK, 4 * total);
  };
  listen((request) => {
    const work = request.type === 'open' ? open(request) : run(request);
    work.catch((e: unknown) => answerText(request, STATUS_ERROR, errorText(e)));
  });
}
