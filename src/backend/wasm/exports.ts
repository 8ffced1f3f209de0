import type { convSizes } from '../kernels.js';

/**
 * The C surface of native/diffmamba_kernels.wasm (native/wasm_exports.cc): byte addresses into
 * its linear memory and 32-bit sizes; booleans as 0 / 1.
 */
export interface WasmKernelExports {
  readonly memory: WebAssembly.Memory;
  dm_alloc(bytes: number): number;
  dm_free(ptr: number): void;
  dm_release_scratch(): number;
  dm_matmul(a: number, b: number, c: number, batch: number, m: number, k: number, n: number,
    transA: number, transB: number, strideA: number, strideB: number, strideC: number, accumulate: number): void;
  dm_conv2d(x: number, w: number, bias: number, y: number, ...shape: ConvShape): void;
  dm_conv2d_backward_input(gy: number, w: number, gx: number, ...shape: ConvShape): void;
  dm_conv2d_backward_weight(gy: number, x: number, gw: number, ...shape: ConvShape): void;
  dm_channel_norm(x: number, w: number, bias: number, y: number, mean: number, rstd: number,
    n: number, c: number, hw: number, eps: number, subtractMean: number): void;
  dm_channel_norm_backward(gy: number, x: number, w: number, mean: number, rstd: number,
    dx: number, dw: number, db: number, n: number, c: number, hw: number, subtractMean: number): void;
  dm_scan(u: number, delta: number, A: number, B: number, C: number, D: number, deltaBias: number,
    y: number, states: number, ...shape: ScanShape): void;
  dm_scan_backward(u: number, delta: number, A: number, B: number, C: number, D: number, deltaBias: number,
    states: number, gy: number, du: number, ddelta: number, dA: number, dB: number, dC: number, dD: number,
    dDeltaBias: number, ...shape: ScanShape): void;
  dm_unary(op: number, x: number, y: number, len: number): void;
  dm_unary_backward(op: number, x: number, y: number, gy: number, gx: number, len: number): void;
  dm_gate(op: number, a: number, b: number, y: number, rows: number, len: number, strideA: number, strideB: number): void;
  dm_gate_backward(op: number, a: number, b: number, gy: number, da: number, db: number, rows: number, len: number,
    strideA: number, strideB: number, strideDa: number, strideDb: number): void;
  dm_ss2d_gather(x: number, out: number, b: number, c: number, h: number, w: number): void;
  dm_ss2d_merge(ys: number, out: number, b: number, c: number, h: number, w: number): void;
  dm_binary(op: number, a: number, aStrides: number, b: number, bStrides: number, out: number, shape: number, rank: number): void;
  dm_gather(src: number, strides: number, out: number, shape: number, rank: number): void;
  /** The threads build only (native/diffmamba_kernels_threads.wasm): workers that have joined (dm_worker_join). */
  dm_parked_workers?(): number;
  /** The threads build only: threads for the following calls (at most 1 + the parked workers); returns them. */
  dm_set_threads?(threads: number): number;
  /** The threads build only: whether a worker's share trapped since the last look (and clears it). */
  dm_take_worker_trap?(): number;
}

/** n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow (convSizes in ../kernels.ts). */
export type ConvShape = ReturnType<typeof convSizes>;
/** b, groups, d, n, L, chunk, bcStride. */
export type ScanShape = [number, number, number, number, number, number, number];

const REQUIRED = [
  'memory', 'dm_alloc', 'dm_free', 'dm_matmul', 'dm_conv2d', 'dm_conv2d_backward_input', 'dm_conv2d_backward_weight',
  'dm_channel_norm', 'dm_channel_norm_backward', 'dm_scan', 'dm_scan_backward', 'dm_unary', 'dm_unary_backward',
  'dm_gate', 'dm_gate_backward', 'dm_ss2d_gather', 'dm_ss2d_merge', 'dm_binary', 'dm_gather',
] as const;

/**
 * The instance's exports as the kernel surface, or an error naming what the module lacks. A
 * module that imports its memory (the threads build) is given it as `memory`.
 */
export function kernelExports(instance: WebAssembly.Instance, memory?: WebAssembly.Memory): WasmKernelExports {
  const ex: Record<string, unknown> = memory ? { ...instance.exports, memory } : (instance.exports as Record<string, unknown>);
  const missing = REQUIRED.filter((name) => ex[name] === undefined);
  if (missing.length) throw new Error(`the WebAssembly module is not diff-mamba's kernels (it lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}); rebuild it with \`node scripts/build-wasm.mjs\``);
  return ex as unknown as WasmKernelExports;
}
