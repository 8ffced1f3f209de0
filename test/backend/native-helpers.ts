import '../../src/backend/node.js';
import { createNativeKernels, loadNativeAddon, type NativeAddon } from '../../src/backend/native/index.js';
import { loadWasmKernelsFromFile } from '../../src/backend/wasm/node.js';
import type { WasmKernels } from '../../src/backend/wasm/kernels.js';
import { webgpuKernelsWith, type WebgpuKernels } from '../../src/backend/webgpu/kernels.js';
import type { Kernels } from '../../src/backend/kernels.js';
import { backendKernels } from '../../src/backend/index.js';
import { Rng } from '../../src/tensor/random.js';

/** The addon, or the reason to skip native tests. */
export const addonOrReason: NativeAddon | string = loadNativeAddon();
// Results come from unzeroed memory: with every one pre-filled with NaN, a kernel that leaves
// an element unwritten fails the native-vs-TypeScript comparisons.
if (typeof addonOrReason !== 'string') addonOrReason.setPoisonOutputs(true);
export const skipReason: string | false =
  typeof addonOrReason === 'string' ? `native kernels unavailable: ${addonOrReason}` : false;
export function addon(): NativeAddon {
  if (typeof addonOrReason === 'string') throw new Error(addonOrReason);
  return addonOrReason;
}

/** Instruction sets this CPU can run (the portable one always). */
type Isa = 'avx512' | 'avx2' | 'generic';

export function isas(): Isa[] {
  const a = addon();
  const original = a.isa() as Isa;
  const out = (['avx512', 'avx2'] as const).filter((isa) => a.setIsa(isa)) as Isa[];
  out.push('generic');
  a.setIsa(original);
  return out;
}

/** Runs fn under each instruction set, restoring the original one after. */
export function forEachIsa(fn: (isa: string) => void): void {
  const a = addon();
  const original = a.isa() as Isa;
  try {
    for (const isa of isas()) {
      a.setIsa(isa);
      fn(isa);
    }
  } finally {
    a.setIsa(original);
  }
}

/** Deterministic uniform numbers in [lo, hi). */
export function rand(len: number, seed: number, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(len), lo, hi);
}

/** Fails unless |got − want| ≤ rtol·max(1, max|want|) everywhere (a float32 tolerance scaled to the data). */
export function assertClose(got: Float32Array, want: Float32Array, rtol: number, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length} != ${want.length}`);
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const tol = rtol * scale;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol)) {
      throw new Error(`${what}: element ${i} is ${got[i]}, want ${want[i]} (|diff| ${d} > ${tol})`);
    }
  }
}

/** The wasm kernels on one thread (outputs NaN-poisoned like the addon's), or why they are unavailable. */
export const wasmOrReason: WasmKernels | string = loadWasmKernelsFromFile(undefined, 1);
if (typeof wasmOrReason !== 'string') wasmOrReason.poisonOutputs = true;
/** The threads build on three threads (two workers), its workers parked, or why it is unavailable. */
export const wasmThreadsOrReason: WasmKernels | string = loadWasmKernelsFromFile(undefined, 3);
if (typeof wasmThreadsOrReason !== 'string') {
  wasmThreadsOrReason.poisonOutputs = true;
  await wasmThreadsOrReason.ready;
}
/** The webgpu kernels (a WebGPU adapter through the `webgpu` package), or why they are unavailable. */
export const webgpuOrReason: Kernels | string = backendKernels('webgpu');
/**
 * The webgpu kernels with the other forward scan (parallel chunks where the adapter runs the
 * serial one, and back), so both scans are checked on whatever adapter the tests get.
 */
export const webgpuOtherScan: WebgpuKernels | null =
  typeof webgpuOrReason === 'string' ? null : webgpuKernelsWith(webgpuOrReason as WebgpuKernels, { parallelScan: !(webgpuOrReason as WebgpuKernels).parallelScan });
/** Skip a compiled-kernels suite only when neither the addon nor the wasm module loads. */
export const compiledSkipReason: string | false =
  typeof addonOrReason === 'string' && typeof wasmOrReason === 'string' ? `no compiled kernels: ${addonOrReason}; ${wasmOrReason}` : false;

/**
 * Runs fn on every compiled backend: the addon under each instruction set this CPU runs, at
 * each thread count, then the wasm module (one thread, and the threads build on three) and webgpu.
 * `what` names the variant for messages.
 */
export function forEachCompiled(threads: readonly number[], fn: (k: Kernels, what: string) => void): void {
  if (typeof addonOrReason !== 'string') {
    forEachIsa((isa) => {
      for (const t of threads) fn(createNativeKernels(addon(), t), `native ${isa} threads=${t}`);
    });
  }
  if (typeof wasmOrReason !== 'string') fn(wasmOrReason, 'wasm');
  if (typeof wasmThreadsOrReason !== 'string') fn(wasmThreadsOrReason, `wasm threads=${wasmThreadsOrReason.threads}`);
  if (typeof webgpuOrReason !== 'string') fn(webgpuOrReason, 'webgpu');
}
