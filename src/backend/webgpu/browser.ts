/**
 * The webgpu backend in a page. The engine runs in a Web Worker (its kernel calls block) and the
 * device in another, whose whole script is `serveWebgpuDevice(self)`; the engine's worker calls
 * `await useWebgpuKernels(deviceWorker)`. Both need SharedArrayBuffer, so the page must be
 * cross-origin isolated.
 */
import { registerBackend, useBackend } from '../index.js';
import { webgpuKernelsOver, type DeviceInbox } from './bridge.js';
import type { DeviceRequest } from './bridge.js';
import type { WebgpuKernels } from './kernels.js';
import { serveDevice } from './serve.js';

/** A worker's global scope, as much of it as the device side needs. */
export interface DeviceWorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/**
 * Serves the engine's requests from this worker's navigator.gpu. The engine connects with a
 * MessagePort ({ type: 'connect', port }), not the worker itself: a thread asleep in
 * Atomics.wait does not send what it posts to a worker it started (Chromium queues it on the
 * sleeping thread), but a port's messages leave at once. Answers { type: 'ready' } on the port.
 */
export function serveWebgpuDevice(scope: DeviceWorkerScope): void {
  const gpu = async (): Promise<GPU | string> => (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? 'this browser offers no WebGPU (navigator.gpu is missing)';
  scope.addEventListener('message', (e) => {
    const msg = e.data as { type?: string; port?: MessagePort };
    if (msg?.type !== 'connect' || !msg.port) return;
    const port = msg.port;
    serveDevice(gpu, (handler) => port.addEventListener('message', (m) => handler(m.data as DeviceRequest)));
    port.start();
    port.postMessage({ type: 'ready' });
  });
}

/**
 * Connects to a device worker (one whose script calls serveWebgpuDevice), opens its adapter and
 * makes its kernels the engine's backend; rejects with the reason when there is none. The kernel
 * calls then block this thread, so call it in a worker.
 */
export async function useWebgpuKernels(deviceWorker: Worker): Promise<WebgpuKernels> {
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('the webgpu backend needs SharedArrayBuffer: serve the page cross-origin isolated (COOP same-origin, COEP require-corp)');
  const { port1, port2 } = new MessageChannel();
  await new Promise<void>((resolve, reject) => {
    port1.onmessage = (e) => {
      if ((e.data as { type?: string })?.type === 'ready') resolve();
    };
    deviceWorker.addEventListener('error', (e) => reject(new Error(`the WebGPU device worker failed: ${e.message}`)));
    deviceWorker.postMessage({ type: 'connect', port: port2 }, [port2]);
  });
  port1.onmessage = null;
  const k = webgpuKernelsOver(port1);
  registerBackend('webgpu', () => k);
  useBackend('webgpu');
  return k;
}
