/**
 * The wasm group: the engine's kernel cases and the bundled model's forward at 256² on the
 * WebAssembly kernels (SIMD128, one thread), each beside the native addon on one thread in the
 * same run: `vs_native` = native ms / wasm ms (target ≥ 0.25 for the kernels).
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { backendKernels } from '../src/backend/index.js';
import { createNativeKernels, loadNativeAddon } from '../src/backend/native/index.js';
import { bundledModelPath } from '../src/restore/bundled.js';
import { engineCases } from './engine.js';
import { timeMedian, type BenchGroup, type BenchOptions, type BenchResult } from './harness.js';
import { runChild } from './child.js';
import type { ForwardSpec } from './model.js';

export const VS_NATIVE_TARGET = 0.25;

function compiled(): { wasm: ReturnType<typeof backendKernels>; addon: ReturnType<typeof loadNativeAddon> } {
  return { wasm: backendKernels('wasm'), addon: loadNativeAddon() };
}

export const wasmGroup: BenchGroup = {
  name: 'wasm',
  compare: 'native',
  describe() {
    const { wasm, addon } = compiled();
    if (typeof wasm === 'string') return [`skipped: ${wasm}`];
    if (typeof addon === 'string') return [`skipped: no native addon to compare with (${addon})`];
    return [
      `backend: wasm (native/diffmamba_kernels.wasm, SIMD128), 1 thread, against native (${addon.isa()}) on 1 thread`,
      `vs_native = native ms / wasm ms; target ≥ ${VS_NATIVE_TARGET} for the kernels`,
    ];
  },
  async run(opts: BenchOptions, report: (r: BenchResult) => void) {
    const { wasm, addon } = compiled();
    if (typeof wasm === 'string' || typeof addon === 'string') return;
    const native = createNativeKernels(addon, 1);
    for (const c of engineCases()) {
      const name = `wasm ${c.name} (1 thread)`;
      if (opts.only !== null && !name.includes(opts.only)) continue;
      const slow = c.name.startsWith('scan');
      const nativeMs = timeMedian(c.prepare(native), 1, slow ? 3 : 5, 1000);
      const ms = timeMedian(c.prepare(wasm), 1, slow ? 3 : 5, 1000);
      report({ name, ms, throughput: c.work / (ms * 1e-3) / 1e9, unit: c.unit, torch_ms: null, ratio: null, native_ms: nativeMs, vs_native: nativeMs / ms });
    }
    const name = 'wasm forward 256x256 (bundled model, 1 thread)';
    if ((opts.only === null || name.includes(opts.only)) && existsSync(bundledModelPath('denoise'))) {
      const script = fileURLToPath(new URL('./model.js', import.meta.url));
      const spec: ForwardSpec = { kind: 'forward', model: 'bundled', size: 256, runs: 3, warmup: 1 };
      const w = runChild(script, spec, { DIFF_MAMBA_BACKEND: 'wasm' });
      const n = runChild(script, spec, { DIFF_MAMBA_BACKEND: 'native', DIFF_MAMBA_THREADS: '1' });
      if (typeof w === 'string' || typeof n === 'string') {
        process.stderr.write(`bench: ${name}: ${typeof w === 'string' ? w : n}\n`);
        return;
      }
      report({ name, ms: w.ms, throughput: (w.flops ?? 0) / (w.ms * 1e-3) / 1e9, unit: 'GFLOP/s', torch_ms: null, ratio: null, native_ms: n.ms, vs_native: n.ms / w.ms });
    }
  },
};
