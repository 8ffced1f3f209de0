/**
 * The thread that owns the WebGPU device in Node (node.ts starts it): serve.ts over the `webgpu`
 * package's GPU (Dawn).
 */
import { parentPort } from 'node:worker_threads';
import type { DeviceRequest } from './bridge.js';
import { serveDevice } from './serve.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function dawn(): Promise<GPU | string> {
  let webgpu: { create(flags: string[]): GPU; globals: object };
  try {
    webgpu = (await import('webgpu')) as unknown as typeof webgpu;
  } catch (e) {
    return `the webgpu backend needs the npm package 'webgpu' (npm install webgpu): ${errorText(e).split('\n')[0]}`;
  }
  Object.assign(globalThis, webgpu.globals);
  return webgpu.create([]);
}

serveDevice(dawn, (handler) => parentPort!.on('message', (m: DeviceRequest) => handler(m)),
  ' (Linux without a GPU: Chromium\'s SwiftShader, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, with libvulkan1 installed)');
