// One worker of the page's pool: its own kernels (WebAssembly, or WebGPU through a device worker
// of its own: device-worker.js) and model, restoring the tiles it is sent with restoreTile, so
// several cores work on one photo. Messages: load / tile / cancel in; loaded, call, tile and
// error out.
import { useWasmKernels, useWebgpuKernels, loadModelFromBytes, resolveRestoreOptions, restoreTile, RestoreAbortedError } from '/lib/diff-mamba.js';

let kernels = null;

/** The engine's kernels: WebAssembly, or WebGPU on a device worker of this worker's own. */
async function kernelsFor(engine) {
  if (engine !== 'webgpu') return useWasmKernels('/kernels.wasm');
  return useWebgpuKernels(new Worker(new URL('device-worker.js', import.meta.url), { type: 'module' }));
}

let model = null;
let controller = new AbortController();

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    if (msg.type === 'load') {
      kernels ??= await kernelsFor(msg.engine);
      model?.dispose();
      model = loadModelFromBytes(msg.bytes, { name: msg.name }).model;
      self.postMessage({ type: 'loaded', backend: kernels.name === 'webgpu' ? `WebGPU (${kernels.adapter})` : 'wasm' });
    } else if (msg.type === 'cancel') {
      controller.abort();
      controller = new AbortController();
    } else if (msg.type === 'tile') {
      const opts = resolveRestoreOptions({ ...msg.options, signal: controller.signal });
      const tile = { data: msg.data, channels: msg.channels, height: msg.height, width: msg.width };
      const out = await restoreTile(model, tile, msg.top, msg.left, opts, (call) => self.postMessage({ type: 'call', job: msg.job, call }));
      self.postMessage({ type: 'tile', job: msg.job, data: out }, [out.buffer]);
    }
  } catch (e) {
    self.postMessage({ type: 'error', job: msg.job, aborted: e instanceof RestoreAbortedError, message: e.message });
  }
};
