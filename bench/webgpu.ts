/**
 * The webgpu group: the engine's kernel cases and the bundled model's forward at 64² on the
 * webgpu backend, each beside the native addon on all threads in the same run: `vs_native` =
 * native ms / webgpu ms. On a software adapter (SwiftShader) these time a correctness run; on a
 * GPU they are the headline. Every call still uploads its inputs and reads its outputs back
 * (docs/webgpu.md), so the rows include those transfers.
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { backendKernels } from '../src/backend/index.js';
import type { WebgpuKernels } from '../src/backend/webgpu/kernels.js';
import { bundledModelPath } from '../src/restore/bundled.js';
import { engineCases } from './engine.js';
import { timeMedian, type BenchGroup, type BenchOptions, type BenchResult } from './harness.js';
import { runChild } from './child.js';
import type { ForwardSpec } from './model.js';

function loaded(): { gpu: WebgpuKernels | string; native: ReturnType<typeof backendKernels> } {
  return { gpu: backendKernels('webgpu') as WebgpuKernels | string, native: backendKernels('native') };
}

export const webgpuGroup: BenchGroup = {
  name: 'webgpu',
  compare: 'native',
  describe() {
    const { gpu, native } = loaded();
    if (typeof gpu === 'string') return [`skipped: ${gpu}`];
    if (typeof native === 'string') return [`skipped: no native addon to compare with (${native})`];
    return [
      `backend: webgpu on ${gpu.adapter}, against native on ${native.threads} threads`,
      /swiftshader/i.test(gpu.adapter) ? 'a software adapter (the shaders run on this CPU): correctness-run timings, not a GPU\'s' : 'vs_native > 1: the GPU is faster',
    ];
  },
  async run(opts: BenchOptions, report: (r: BenchResult) => void) {
    const { gpu, native } = loaded();
    if (typeof gpu === 'string' || typeof native === 'string') return;
    for (const c of engineCases()) {
      const name = `webgpu ${c.name}`;
      if (opts.only !== null && !name.includes(opts.only)) continue;
      const nativeMs = timeMedian(c.prepare(native), 1, 5, 1000);
      const ms = timeMedian(c.prepare(gpu), 1, 3, 0);
      report({ name, ms, throughput: c.work / (ms * 1e-3) / 1e9, unit: c.unit, torch_ms: null, ratio: null, native_ms: nativeMs, vs_native: nativeMs / ms });
    }
    const name = 'webgpu forward 64x64 (bundled model)';
    if ((opts.only === null || name.includes(opts.only)) && existsSync(bundledModelPath('denoise'))) {
      const script = fileURLToPath(new URL('./model.js', import.meta.url));
      const spec: ForwardSpec = { kind: 'forward', model: 'bundled', size: 64, runs: 1, warmup: 1 };
      const g = runChild(script, spec, { DIFF_MAMBA_BACKEND: 'webgpu' });
      const n = runChild(script, spec, { DIFF_MAMBA_BACKEND: 'native' });
      if (typeof g === 'string' || typeof n === 'string') {
        process.stderr.write(`bench: ${name}: ${typeof g === 'string' ? g : n}\n`);
        return;
      }
      report({ name, ms: g.ms, throughput: (g.flops ?? 0) / (g.ms * 1e-3) / 1e9, unit: 'GFLOP/s', torch_ms: null, ratio: null, native_ms: n.ms, vs_native: n.ms / g.ms });
    }
  },
};
