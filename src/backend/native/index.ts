import { availableParallelism } from 'node:os';
import {
  binaryOpId, convSizes, scanBcStride, unaryOpId,
  type ChannelNormArgs, type GateArgs, type Kernels, type MatmulArgs, type ScanArgs,
  type ScanGrads, type ScanInputs, type Ss2dArgs,
} from '../kernels.js';
import { loadNativeAddon, loadedNativeAddon, type NativeAddon } from './addon.js';
import { binary as jsBinary, gather as jsGather } from '../js/strided.js';

export { addonPath, loadNativeAddon, type NativeAddon } from './addon.js';

/** What releaseNativeMemory() gave back. */
export interface NativeMemoryRelease {
  /** Bytes of kernel scratch buffers freed (they grow back on the next call that needs them). */
  scratchBytes: number;
  /** Whether malloc_trim returned free heap to the system (glibc only). */
  trimmed: boolean;
}

/**
 * Returns the native kernels' cached memory to the system: their grow-only scratch buffers
 * and (glibc) the free heap the addon keeps for the next network call, up to 1 GB after a
 * large tile. Safe at any time between calls (JavaScript runs one kernel at a time); the next
 * call is a little slower while that memory faults back in. Null when the addon was never
 * loaded in this process or predates this function (nothing to release).
 */
export function releaseNativeMemory(): NativeMemoryRelease | null {
  const addon = loadedNativeAddon();
  if (!addon || typeof addon.releaseMemory !== 'function') return null;
  return addon.releaseMemory();
}

/**
 * Threads the native kernels use: DIFF_MAMBA_THREADS when set to a positive integer, else
 * every core (os.availableParallelism()).
 */
export function defaultThreadCount(): number {
  const env = process.env.DIFF_MAMBA_THREADS;
  if (env !== undefined && env.trim() !== '') {
    const t = Number(env);
    if (!Number.isInteger(t) || t < 1) throw new Error(`DIFF_MAMBA_THREADS must be a positive integer, got '${env}'`);
    return t;
  }
  return availableParallelism();
}

/** The C++ kernels behind the `Kernels` interface, with a fixed thread count. */
export function createNativeKernels(addon: NativeAddon, threads: number = defaultThreadCount()): Kernels {
  const t = Math.max(1, Math.min(addon.maxThreads, Math.floor(threads)));
  const scanIn = (i: ScanInputs) => [i.u, i.delta, i.A, i.B, i.C, i.D, i.deltaBias] as const;
  const scanShape = (a: ScanArgs) => [a.b, a.groups, a.d, a.n, a.L, a.chunk, scanBcStride(a)] as const;
  const gate = (g: GateArgs) => [g.rows, g.len, g.strideA, g.strideB] as const;
  const plane = (s: Ss2dArgs) => [s.b, s.c, s.h, s.w] as const;
  return {
    name: 'native',
    threads: t,
    matmul: (a: Float32Array, b: Float32Array, m: MatmulArgs) =>
      addon.matmul(t, a, b, m.batch, m.m, m.k, m.n, m.transA, m.transB, m.strideA, m.strideB, m.into ?? null, m.accumulate ?? false, m.strideC ?? m.m * m.n),
    conv2d: (x, w, bias, a) => addon.conv2d(t, x, w, bias, ...convSizes(a)),
    conv2dBackwardInput: (gy, w, a) => addon.conv2dBackwardInput(t, gy, w, ...convSizes(a)),
    conv2dBackwardWeight: (gy, x, a) => addon.conv2dBackwardWeight(t, gy, x, ...convSizes(a)),
    channelNorm: (x, weight, bias, a: ChannelNormArgs) =>
      addon.channelNorm(t, x, weight, bias, a.n, a.c, a.hw, a.eps, a.subtractMean),
    channelNormBackward: (gy, x, weight, mean, rstd, a: ChannelNormArgs) =>
      addon.channelNormBackward(t, gy, x, weight, mean, rstd, a.n, a.c, a.hw, a.subtractMean),
    scan: (inputs: ScanInputs, a: ScanArgs) => addon.scan(t, ...scanIn(inputs), ...scanShape(a)),
    scanBackward: (inputs: ScanInputs, states: Float32Array, gy: Float32Array, a: ScanArgs): ScanGrads =>
      addon.scanBackward(t, ...scanIn(inputs), ...scanShape(a), states, gy),
    unary: (op, x) => addon.unary(t, unaryOpId(op), x),
    unaryBackward: (op, x, y, gy) => addon.unaryBackward(t, unaryOpId(op), x, y, gy),
    gate: (op, a, b, g) => addon.gate(t, unaryOpId(op), a, b, ...gate(g)),
    gateBackward: (op, a, b, gy, g) => {
      const r = addon.gateBackward(t, unaryOpId(op), a, b, ...gate(g), gy, false);
      return { da: r.da, db: r.db };
    },
    gateBackwardPacked: (op, a, b, gy, g) => addon.gateBackward(t, unaryOpId(op), a, b, ...gate(g), gy, true).dx,
    ss2dGather: (x, s) => addon.ss2dGather(t, x, ...plane(s)),
    ss2dMerge: (ys, s) => addon.ss2dMerge(t, ys, ...plane(s)),
    binary: addon.binary
      ? (op, a, sa, b, sb, shape) => addon.binary!(t, binaryOpId(op), a, Float64Array.from(sa), b, Float64Array.from(sb), Float64Array.from(shape))
      : jsBinary,
    gather: addon.gather
      ? (src, shape, strides, offset) => addon.gather!(t, src, Float64Array.from(shape), Float64Array.from(strides), offset)
      : jsGather,
    empty: addon.empty ? (length) => addon.empty!(length) : (length) => new Float32Array(length),
  };
}

export const PRECISIONS = ['fp32', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];

export function isPrecision(x: string): x is Precision {
  return (PRECISIONS as readonly string[]).includes(x);
}

/**
 * Sets what the addon's matrix products and convolutions compute in (process-wide): fp32, or
 * bf16 (operands rounded to bfloat16, sums in fp32; CPUs with AVX512_BF16). Throws a one-line
 * error naming what is missing where bf16 cannot run.
 */
export function setNativePrecision(addon: NativeAddon, precision: Precision): void {
  if (!isPrecision(precision)) {
    throw new Error(`the precision must be one of ${PRECISIONS.join(', ')}, got '${String(precision)}'`);
  }
  if (!addon.setPrecision) {
    if (precision === 'fp32') return;
    throw new Error('bf16 needs native kernels built with it (this addon predates it: run npm install to rebuild)');
  }
  if (!addon.setPrecision(precision)) {
    throw new Error(`bf16 needs a CPU with AVX512_BF16 and the avx512 kernels (this one runs ${addon.isa()} without it)`);
  }
}

/** DIFF_MAMBA_PRECISION (fp32 when unset). */
export function precisionFromEnv(): Precision {
  const env = process.env.DIFF_MAMBA_PRECISION?.trim();
  if (env === undefined || env === '') return 'fp32';
  if (!isPrecision(env)) throw new Error(`DIFF_MAMBA_PRECISION must be one of ${PRECISIONS.join(', ')}, got '${env}'`);
  return env;
}

/** Why this addon cannot run bf16 (the error setNativePrecision would throw), or null; leaves it in fp32. */
export function bf16Unavailable(addon: NativeAddon): string | null {
  try {
    setNativePrecision(addon, 'bf16');
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    setNativePrecision(addon, 'fp32');
  }
}

/**
 * Loads the C++ kernels (threads: DIFF_MAMBA_THREADS or every core; precision:
 * DIFF_MAMBA_PRECISION), or returns why they are unavailable. A precision the CPU cannot run
 * is an error, not a reason to fall back to other kernels.
 */
export function loadNativeKernels(threads?: number): Kernels | string {
  const addon = loadNativeAddon();
  if (typeof addon === 'string') return addon;
  const precision = precisionFromEnv();
  try {
    setNativePrecision(addon, precision);
  } catch (err) {
    throw new Error(`DIFF_MAMBA_PRECISION=${precision}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return createNativeKernels(addon, threads ?? defaultThreadCount());
  } catch (err) {
    return (err as Error).message;
  }
}
