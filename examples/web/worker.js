// The page's worker: loads the bundled model and runs restorePlanar, off the main thread so the
// page stays responsive. The tiles go to a pool of tile workers (tile-worker.js): on WebAssembly
// one per core (up to 4), each with its own kernels (tiles are independent, and the image is the
// same however many run at once); on WebGPU one, for the one GPU. Messages: restore / cancel in;
// status, progress, done, cancelled and error out.
import { loadModelFromBytes, restorePlanar, makePlanar, fromHWC, toUint8HWC, RestoreAbortedError, RESTORE_DEFAULTS } from '/lib/diff-mamba.js';

const CPU_POOL = Math.max(1, Math.min(4, self.navigator.hardwareConcurrency || 1));
let engine = null;
const modelBytes = new Map();
let model = null;
let modelTask = null;
let controller = null;
const pool = [];
let jobs = 0;

/** A tile worker that answers one job at a time. */
function tileWorker() {
  const w = new Worker(new URL('tile-worker.js', import.meta.url), { type: 'module' });
  const slot = { w, busy: false, task: null, pending: null };
  w.onmessage = (ev) => {
    const m = ev.data;
    if (m.type === 'loaded') {
      slot.backend = m.backend;
      slot.pending?.resolve();
    }
    else if (m.type === 'call') slot.onCall?.(m.call);
    else if (m.type === 'tile') slot.pending?.resolve(m.data);
    else if (m.type === 'error') slot.pending?.reject(m.aborted ? new RestoreAbortedError('cancelled') : new Error(m.message));
  };
  w.onerror = (ev) => slot.pending?.reject(new Error(`a tile worker failed: ${ev.message}`));
  return slot;
}

function ask(slot, msg, transfer = []) {
  return new Promise((resolve, reject) => {
    slot.pending = { resolve, reject };
    slot.w.postMessage(msg, transfer);
  });
}

/**
 * 'webgpu' where asked for, or, automatically, where the browser has a GPU adapter that is not a
 * CPU implementation (one of those runs the network slower than WebAssembly); else 'wasm'.
 */
async function resolveEngine(requested) {
  if (requested === 'wasm') return 'wasm';
  const gpu = self.navigator.gpu;
  if (requested === 'webgpu') {
    if (!gpu) throw new Error('this browser offers no WebGPU (navigator.gpu is missing); choose WebAssembly');
    if (!self.crossOriginIsolated) throw new Error('WebGPU here needs SharedArrayBuffer: serve the page cross-origin isolated');
    return 'webgpu';
  }
  if (!gpu || !self.crossOriginIsolated) return 'wasm';
  const adapter = await gpu.requestAdapter();
  return adapter && !adapter.info?.isFallbackAdapter ? 'webgpu' : 'wasm';
}

/** A pool of tile workers on `wanted`: the old pool is let go when the engine changes. */
function usePool(wanted) {
  if (engine === wanted) return;
  for (const s of pool) s.w.terminate();
  pool.length = 0;
  engine = wanted;
}

async function loadModel(task, id) {
  if (!modelBytes.has(task)) {
    self.postMessage({ type: 'status', id, text: `Loading the ${task} model…` });
    const r = await fetch(`/models/${task}/${task}.safetensors`);
    if (!r.ok) throw new Error(`cannot load the ${task} model: HTTP ${r.status}`);
    modelBytes.set(task, new Uint8Array(await r.arrayBuffer()));
  }
  if (modelTask !== task) {
    model?.dispose();
    model = loadModelFromBytes(modelBytes.get(task), { name: `${task}.safetensors` }).model;
    modelTask = task;
  }
  while (pool.length < (engine === 'webgpu' ? 1 : CPU_POOL)) pool.push(tileWorker());
  await Promise.all(pool.filter((s) => s.task !== task).map(async (s) => {
    await ask(s, { type: 'load', engine, bytes: modelBytes.get(task), name: `${task}.safetensors` });
    s.task = task;
  }));
}

const idle = [];
function acquire() {
  const free = pool.find((s) => !s.busy);
  if (free) {
    free.busy = true;
    return Promise.resolve(free);
  }
  return new Promise((resolve) => idle.push(resolve));
}
function release(slot) {
  const next = idle.shift();
  if (next) next(slot);
  else slot.busy = false;
}

/** restorePlanar's runTile: the tile goes to the next free worker of the pool. */
async function runTile(tile, top, left, onCall) {
  const slot = await acquire();
  try {
    slot.onCall = onCall;
    const data = tile.data.slice();
    return await ask(slot, { type: 'tile', job: ++jobs, data, channels: tile.channels, height: tile.height, width: tile.width, top, left, options: { steps: RESTORE_DEFAULTS.steps, eta: RESTORE_DEFAULTS.eta, seed: RESTORE_DEFAULTS.seed } }, [data.buffer]);
  } finally {
    slot.onCall = null;
    release(slot);
  }
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.type === 'cancel') {
    controller?.abort();
    for (const s of pool) s.w.postMessage({ type: 'cancel' });
    return;
  }
  if (msg.type !== 'restore') return;
  const { id, task, width, height, rgb } = msg;
  controller = new AbortController();
  try {
    usePool(await resolveEngine(msg.engine ?? 'auto'));
    await loadModel(task, id);
    const img = makePlanar(3, height, width, fromHWC({ data: rgb, width, height, channels: 3 }));
    const t0 = performance.now();
    let calls = 0;
    const data = await restorePlanar(model, img, {
      signal: controller.signal,
      runTile,
      concurrency: pool.length,
      onProgress: (progress) => {
        calls = progress.done;
        self.postMessage({ type: 'progress', id, progress });
      },
    });
    const ms = performance.now() - t0;
    const out = toUint8HWC({ data, width, height, channels: 3 });
    self.postMessage({ type: 'done', id, width, height, rgb: out.data, data, ms, calls, backend: engine === 'webgpu' ? pool[0].backend : `wasm, ${pool.length} worker${pool.length > 1 ? 's' : ''}` }, [out.data.buffer]);
  } catch (e) {
    if (e instanceof RestoreAbortedError || controller.signal.aborted) self.postMessage({ type: 'cancelled', id });
    else self.postMessage({ type: 'error', id, message: e.message });
  } finally {
    controller = null;
  }
};
