// The page's worker: the kernels (WebAssembly), the bundled models and the restoration itself,
// off the main thread so the page stays responsive. Messages: restore / cancel in; status,
// progress, done, cancelled and error out.
import { useWasmKernels, loadModelFromBytes, restorePlanar, makePlanar, fromHWC, toUint8HWC, RestoreAbortedError } from '/lib/diff-mamba.js';

let kernels = null;
const models = new Map();
let controller = null;

async function model(task, id) {
  if (!models.has(task)) {
    self.postMessage({ type: 'status', id, text: `Loading the ${task} model…` });
    const r = await fetch(`/models/${task}/${task}.safetensors`);
    if (!r.ok) throw new Error(`cannot load the ${task} model: HTTP ${r.status}`);
    models.set(task, loadModelFromBytes(new Uint8Array(await r.arrayBuffer()), { name: `${task}.safetensors` }).model);
  }
  return models.get(task);
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.type === 'cancel') {
    controller?.abort();
    return;
  }
  if (msg.type !== 'restore') return;
  const { id, task, width, height, rgb } = msg;
  controller = new AbortController();
  try {
    kernels ??= await useWasmKernels('/kernels.wasm');
    const net = await model(task, id);
    const img = makePlanar(3, height, width, fromHWC({ data: rgb, width, height, channels: 3 }));
    const t0 = performance.now();
    let calls = 0;
    const data = await restorePlanar(net, img, {
      signal: controller.signal,
      onProgress: (progress) => {
        calls = progress.done;
        self.postMessage({ type: 'progress', id, progress });
      },
    });
    const ms = performance.now() - t0;
    const out = toUint8HWC({ data, width, height, channels: 3 });
    self.postMessage({ type: 'done', id, width, height, rgb: out.data, data, ms, calls, backend: `wasm (${kernels.threads} thread)` }, [out.data.buffer]);
  } catch (e) {
    if (e instanceof RestoreAbortedError) self.postMessage({ type: 'cancelled', id });
    else self.postMessage({ type: 'error', id, message: e.message });
  } finally {
    controller = null;
  }
};
