// One worker of the page's pool: its own WebAssembly kernels and model, restoring the tiles it
// is sent with restoreTile, so several cores work on one photo. Messages: load / tile / cancel in;
// loaded, call, tile and error out.
import { useWasmKernels, loadModelFromBytes, resolveRestoreOptions, restoreTile, RestoreAbortedError } from '/lib/diff-mamba.js';

let kernels = null;
let model = null;
let controller = new AbortController();

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    if (msg.type === 'load') {
      kernels ??= await useWasmKernels('/kernels.wasm');
      model?.dispose();
      model = loadModelFromBytes(msg.bytes, { name: msg.name }).model;
      self.postMessage({ type: 'loaded' });
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
