/**
 * The wasm group: the engine's kernel cases and the bundled model's forward at 256² on the
 * WebAssembly kernels (SIMD128), on one thread and on every core (the threads build), each
 * beside the native addon on as many threads in the same run: `vs_native` = native ms / wasm ms
 * (target ≥ 0.25 for the kernels on one thread).
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { createNativeKernels, defaultThreadCount, loadNativeAddon } from '../src/backend/native/index.js';
import { loadWasmKernelsFromFile } from '../src/backend/wasm/node.js';
import { bundledModelPath } from '../src/restore/bundled.js';
import { engineCases } from './engine.js';
import { timeMedian, type BenchGroup, type BenchOptions, type BenchResult } from './harness.js';
import { runChild } from './child.js';
import type { ForwardSpec } from './model.js';

export const VS_NATIVE_TARGET = 0.25;

function compiled(threads = 1): { wasm: ReturnType<typeof loadWasmKernelsFromFile>; addon: ReturnType<typeof loadNativeAddon> } {
  return { wasm: loadWasmKernelsFromFile(undefined, threads), addon: loadNativeAddon() };
}

/** The thread counts of the rows: one, and every core (DIFF_MAMBA_THREADS) when that is more. */
function threadCounts(): number[] {
  const all = defaultThreadCount();
  return all > 1 ? [1, all] : [1];
}

const label = (t: number): string => `${t} thread${t === 1 ? '' : 's'}`;

export const wasmGroup: BenchGroup = {
  name: 'wasm',
  compare: 'native',
  describe() {
    const { wasm, addon } = compiled();
    if (typeof wasm === 'string') return [`skipped: ${wasm}`];
    if (typeof addon === 'string') return [`skipped: no native addon to compare with (${addon})`];
    return [
      `backend: wasm (native/diffmamba_kernels.wasm, SIMD128; native/diffmamba_kernels_threads.wasm on worker threads), against native (${addon.isa()}) on as many threads`,
      `vs_native = native ms / wasm ms; target ≥ ${VS_NATIVE_TARGET} for the kernels`,
    ];
  },
  async run(opts: BenchOptions, report: (r: BenchResult) => void) {
    for (const threads of threadCounts()) {
      const { wasm, addon } = compiled(threads);
      if (typeof wasm === 'string' || typeof addon === 'string') return;
      if ((await wasm.ready) !== threads) process.stderr.write(`bench: the wasm threads build runs on ${wasm.threads} of ${threads} threads\n`);
      const native = createNativeKernels(addon, threads);
      for (const c of engineCases()) {
        const name = `wasm ${c.name} (${label(threads)})`;
        if (opts.only !== null && !name.includes(opts.only)) continue;
        const slow = c.name.startsWith('scan');
        const nativeMs = timeMedian(c.prepare(native), 1, slow ? 3 : 5, 1000);
        const ms = timeMedian(c.prepare(wasm), 1, slow ? 3 : 5, 1000);
        report({ name, ms, throughput: c.work / (ms * 1e-3) / 1e9, unit: c.unit, torch_ms: null, ratio: null, native_ms: nativeMs, vs_native: nativeMs / ms });
      }
      const name = `wasm forward 256x256 (bundled model, ${label(threads)})`;
      if ((opts.only === null || name.includes(opts.only)) && existsSync(bundledModelPath('denoise'))) {
        const script = fileURLToPath(new URL('./model.js', import.meta.url));
        const spec: ForwardSpec = { kind: 'forward', model: 'bundled', size: 256, runs: 3, warmup: 1 };
        const w = runChild(script, spec, { DIFF_MAMBA_BACKEND: 'wasm', DIFF_MAMBA_THREADS: String(threads) });
        const n = runChild(script, spec, { DIFF_MAMBA_BACKEND: 'native', DIFF_MAMBA_THREADS: String(threads) });
        if (typeof w === 'string' || typeof n === 'string') {
          process.stderr.write(`bench: ${name}: ${typeof w === 'string' ? w : n}\n`);
          continue;
        }
        report({ name, ms: w.ms, throughput: (w.flops ?? 0) / (w.ms * 1e-3) / 1e9, unit: 'GFLOP/s', torch_ms: null, ratio: null, native_ms: n.ms, vs_native: n.ms / w.ms });
      }
    }
  },
};
