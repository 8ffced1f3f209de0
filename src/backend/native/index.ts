import { availableParallelism } from 'node:os';
import {
  BINARY_OPS, UNARY_OPS, scanBcStride,
  type BinaryOp, type ChannelNormArgs, type Conv2dArgs, type GateArgs, type Kernels, type MatmulArgs, type ScanArgs,
  type ScanGrads, type ScanInputs, type Ss2dArgs, type UnaryOp,
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
 * and (glibc) the free heap the addon keeps for the next network call, up to 512 MB after a
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
  const conv = (a: Conv2dArgs) =>
    [a.n, a.c, a.h, a.w, a.o, a.kh, a.kw, a.padH, a.padW, a.groups, a.oh, a.ow] as const;
  const scanIn = (i: ScanInputs) => [i.u, i.delta, i.A, i.B, i.C, i.D, i.deltaBias] as const;
  const scanShape = (a: ScanArgs) => [a.b, a.groups, a.d, a.n, a.L, a.chunk, scanBcStride(a)] as const;
  const opId = (op: UnaryOp) => {
    const id = UNARY_OPS.indexOf(op);
    if (id < 0) throw new Error(`unknown activation '${op}'`);
    return id;
  };
  const binaryId = (op: BinaryOp) => {
    const id = BINARY_OPS.indexOf(op);
    if (id < 0) throw new Error(`unknown binary op '${op}'`);
    return id;
  };
  const gate = (g: GateArgs) => [g.rows, g.len, g.strideA, g.strideB] as const;
  const plane = (s: Ss2dArgs) => [s.b, s.c, s.h, s.w] as const;
  return {
    name: 'native',
    threads: t,
    matmul: (a: Float32Array, b: Float32Array, m: MatmulArgs) =>
      addon.matmul(t, a, b, m.batch, m.m, m.k, m.n, m.transA, m.transB, m.strideA, m.strideB, m.into ?? null, m.accumulate ?? false, m.strideC ?? m.m * m.n),
    conv2d: (x, w, bias, a) => addon.conv2d(t, x, w, bias, ...conv(a)),
    conv2dBackwardInput: (gy, w, a) => addon.conv2dBackwardInput(t, gy, w, ...conv(a)),
    conv2dBackwardWeight: (gy, x, a) => addon.conv2dBackwardWeight(t, gy, x, ...conv(a)),
    channelNorm: (x, weight, bias, a: ChannelNormArgs) =>
      addon.channelNorm(t, x, weight, bias, a.n, a.c, a.hw, a.eps, a.subtractMean),
    channelNormBackward: (gy, x, weight, mean, rstd, a: ChannelNormArgs) =>
      addon.channelNormBackward(t, gy, x, weight, mean, rstd, a.n, a.c, a.hw, a.subtractMean),
    scan: (inputs: ScanInputs, a: ScanArgs) => addon.scan(t, ...scanIn(inputs), ...scanShape(a)),
    scanBackward: (inputs: ScanInputs, states: Float32Array, gy: Float32Array, a: ScanArgs): ScanGrads =>
      addon.scanBackward(t, ...scanIn(inputs), ...scanShape(a), states, gy),
    unary: (op, x) => addon.unary(t, opId(op), x),
    unaryBackward: (op, x, y, gy) => addon.unaryBackward(t, opId(op), x, y, gy),
    gate: (op, a, b, g) => addon.gate(t, opId(op), a, b, ...gate(g)),
    gateBackward: (op, a, b, gy, g) => {
      const r = addon.gateBackward(t, opId(op), a, b, ...gate(g), gy, false);
      return { da: r.da, db: r.db };
    },
    gateBackwardPacked: (op, a, b, gy, g) => addon.gateBackward(t, opId(op), a, b, ...gate(g), gy, true).dx,
    ss2dGather: (x, s) => addon.ss2dGather(t, x, ...plane(s)),
    ss2dMerge: (ys, s) => addon.ss2dMerge(t, ys, ...plane(s)),
    binary: addon.binary
      ? (op, a, sa, b, sb, shape) => addon.binary!(t, binaryId(op), a, Float64Array.from(sa), b, Float64Array.from(sb), Float64Array.from(shape))
      : jsBinary,
    gather: addon.gather
      ? (src, shape, strides, offset) => addon.gather!(t, src, Float64Array.from(shape), Float64Array.from(strides), offset)
      : jsGather,
    empty: addon.empty ? (length) => addon.empty!(length) : (length) => new Float32Array(length),
  };
}

/** Loads the C++ kernels (threads: DIFF_MAMBA_THREADS or every core), or returns why they are unavailable. */
export function loadNativeKernels(threads?: number): Kernels | string {
  const addon = loadNativeAddon();
  if (typeof addon === 'string') return addon;
  try {
    return createNativeKernels(addon, threads ?? defaultThreadCount());
  } catch (err) {
    return (err as Error).message;
  }
}
