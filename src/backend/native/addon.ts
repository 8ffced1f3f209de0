import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The raw functions of build/Release/diffmamba_native.node (native/addon.cc): positional arguments. */
export interface NativeAddon {
  matmul(
    threads: number, a: Float32Array, b: Float32Array,
    batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, strideA: number, strideB: number,
    into: Float32Array | null, accumulate: boolean, strideC: number,
  ): Float32Array;
  conv2d(
    threads: number, x: Float32Array, w: Float32Array, bias: Float32Array | null,
    n: number, c: number, h: number, wd: number, o: number, kh: number, kw: number,
    padH: number, padW: number, groups: number, oh: number, ow: number,
  ): Float32Array;
  conv2dBackwardInput(
    threads: number, gy: Float32Array, w: Float32Array,
    n: number, c: number, h: number, wd: number, o: number, kh: number, kw: number,
    padH: number, padW: number, groups: number, oh: number, ow: number,
  ): Float32Array;
  conv2dBackwardWeight(
    threads: number, gy: Float32Array, x: Float32Array,
    n: number, c: number, h: number, wd: number, o: number, kh: number, kw: number,
    padH: number, padW: number, groups: number, oh: number, ow: number,
  ): Float32Array;
  channelNorm(
    threads: number, x: Float32Array, weight: Float32Array, bias: Float32Array | null,
    n: number, c: number, hw: number, eps: number, subtractMean: boolean,
  ): { y: Float32Array; mean: Float32Array; rstd: Float32Array };
  channelNormBackward(
    threads: number, gy: Float32Array, x: Float32Array, weight: Float32Array, mean: Float32Array, rstd: Float32Array,
    n: number, c: number, hw: number, subtractMean: boolean,
  ): { dx: Float32Array; dweight: Float32Array; dbias: Float32Array };
  scan(
    threads: number, u: Float32Array, delta: Float32Array, A: Float32Array, B: Float32Array, C: Float32Array,
    D: Float32Array, deltaBias: Float32Array,
    b: number, groups: number, d: number, n: number, L: number, chunk: number, bcStride: number,
  ): { y: Float32Array; states: Float32Array };
  scanBackward(
    threads: number, u: Float32Array, delta: Float32Array, A: Float32Array, B: Float32Array, C: Float32Array,
    D: Float32Array, deltaBias: Float32Array,
    b: number, groups: number, d: number, n: number, L: number, chunk: number, bcStride: number,
    states: Float32Array, gy: Float32Array,
  ): {
    du: Float32Array; ddelta: Float32Array; dA: Float32Array; dB: Float32Array;
    dC: Float32Array; dD: Float32Array; dDeltaBias: Float32Array;
  };
  /** op: index in UNARY_OPS (src/backend/kernels.ts). */
  unary(threads: number, op: number, x: Float32Array): Float32Array;
  unaryBackward(threads: number, op: number, x: Float32Array, y: Float32Array | null, gy: Float32Array): Float32Array;
  gate(
    threads: number, op: number, a: Float32Array, b: Float32Array,
    rows: number, len: number, strideA: number, strideB: number,
  ): Float32Array;
  gateBackward(
    threads: number, op: number, a: Float32Array, b: Float32Array,
    rows: number, len: number, strideA: number, strideB: number, gy: Float32Array, packed: boolean,
  ): { da: Float32Array; db: Float32Array } & { dx: Float32Array };
  ss2dGather(threads: number, x: Float32Array, b: number, c: number, h: number, w: number): Float32Array;
  ss2dMerge(threads: number, ys: Float32Array, b: number, c: number, h: number, w: number): Float32Array;
  /** The instruction set the kernels run with: 'avx512', 'avx2' or 'generic'. */
  isa(): string;
  /** Switches the instruction set (tests compare both); false when the CPU lacks it. */
  setIsa(name: 'avx512' | 'avx2' | 'generic'): boolean;
  /** What the matrix products and convolutions compute in: 'fp32', or 'bf16' after setPrecision. Absent from addons built before it existed. */
  precision?(): string;
  /** 'bf16': operands rounded to bfloat16, sums in fp32 (AVX512_BF16 CPUs, avx512 kernels); false where unsupported. */
  setPrecision?(name: 'fp32' | 'bf16'): boolean;
  /** Pre-fills every result with NaN before the kernel runs, so tests catch outputs left unwritten. */
  /** op: index in BINARY_OPS; sizes as Float64Arrays. Absent from addons built before it existed. */
  binary?(threads: number, op: number, a: Float32Array, aStrides: Float64Array, b: Float32Array, bStrides: Float64Array, shape: Float64Array): Float32Array;
  /** The dense copy of a strided view. Absent from addons built before it existed. */
  gather?(threads: number, src: Float32Array, shape: Float64Array, strides: Float64Array, offset: number): Float32Array;
  /** An uninitialised array (NaN-filled under setPoisonOutputs). */
  empty?(length: number): Float32Array;
  setPoisonOutputs(on: boolean): void;
  /** Operations per second of a roofline micro-kernel run for about `ms` on `threads` threads: kind 0 = fp32 FMA peak (FLOP/s), 1 = the scan's bound (state updates/s). */
  roofline?(threads: number, kind: 0 | 1, ms: number): number;
  /**
   * Frees the kernels' scratch buffers and, under glibc, returns free heap to the system
   * (malloc_trim). Absent from addons built before it existed.
   */
  releaseMemory?(): { scratchBytes: number; trimmed: boolean };
  readonly hardwareThreads: number;
  readonly maxThreads: number;
}

/** Where node-gyp puts the addon, from dist/src/backend/native/. */
export function addonPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', '..', '..', 'build', 'Release', 'diffmamba_native.node');
}

let cached: NativeAddon | string | undefined;

/** The addon if an earlier call loaded it, else null (never loads it). */
export function loadedNativeAddon(): NativeAddon | null {
  return typeof cached === 'object' ? cached : null;
}

/** Loads the C++ addon once, or returns the reason it is unavailable. */
export function loadNativeAddon(): NativeAddon | string {
  if (cached !== undefined) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    cached = `the native addon was not built (${path} is missing; run \`npm install\` or \`node scripts/build-native.mjs\`)`;
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as Partial<NativeAddon>;
    if (typeof addon.matmul !== 'function' || typeof addon.scanBackward !== 'function' || typeof addon.ss2dMerge !== 'function' || typeof addon.setPoisonOutputs !== 'function') {
      cached = `the native addon at ${path} is out of date (rebuild it with \`node scripts/build-native.mjs\`)`;
    } else {
      cached = addon as NativeAddon;
    }
  } catch (err) {
    cached = `the native addon failed to load: ${(err as Error).message}`;
  }
  return cached;
}
