/**
 * The thread that owns the WebGPU device in Node (node.ts starts it): opens the `webgpu`
 * package's adapter, runs each job it is sent and answers on the port, then raises the flag
 * the waiting thread sleeps on.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { GpuRunner, openDevice } from './device.js';
import type { GpuJob } from './job.js';

interface Setup {
  flag: SharedArrayBuffer;
  port: MessagePort;
}

const { flag, port } = workerData as Setup;
const signal = new Int32Array(flag);
let runner: GpuRunner | null = null;

function answer(message: unknown, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function open(): Promise<void> {
  let webgpu: { create(flags: string[]): GPU; globals: object };
  try {
    webgpu = (await import('webgpu')) as unknown as typeof webgpu;
  } catch (e) {
    answer({ error: `the webgpu backend needs the npm package 'webgpu' (npm install webgpu): ${errorText(e).split('\n')[0]}` });
    return;
  }
  Object.assign(globalThis, webgpu.globals);
  const opened = await openDevice(webgpu.create([]));
  if (typeof opened === 'string') {
    answer({ error: `${opened} (Linux without a GPU: Chromium's SwiftShader, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, with libvulkan1 installed)` });
    return;
  }
  runner = new GpuRunner(opened.device);
  answer({ adapter: opened.adapter, fallback: opened.fallback });
}

parentPort!.on('message', (msg: { type: 'open' } | { type: 'run'; job: GpuJob }) => {
  const work = msg.type === 'open'
    ? open()
    : runner!.run(msg.job).then((outputs) => answer({ outputs }, outputs.map((o) => o.buffer as ArrayBuffer)));
  work.catch((e: unknown) => answer({ error: errorText(e) }));
});
