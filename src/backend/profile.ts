import type { Conv2dArgs, Kernels } from './kernels.js';

/** What one kind of kernel call did: calls, time, and the work it stands for. */
export interface ProfileRow {
  name: string;
  calls: number;
  ms: number;
  /** Floating-point operations (matrix products and convolutions: 2 per multiply-add). */
  flops: number;
  /** Bytes read and written, for memory-bound kernels. */
  bytes: number;
  /** Selective-scan state updates. */
  updates: number;
}

type Work = { flops?: number; bytes?: number; updates?: number };

function convName(a: Conv2dArgs): string {
  const k = `${a.kh}x${a.kw}`;
  if (a.groups === 1) return `conv2d ${k}`;
  if (a.groups === a.c && a.c === a.o) return `conv2d depthwise ${k}`;
  return `conv2d grouped ${k}`;
}

function convShape(a: Conv2dArgs): string {
  return `${a.n}x${a.c}x${a.h}x${a.w} -> ${a.o}`;
}

function convFlops(a: Conv2dArgs): number {
  return 2 * a.n * a.o * a.oh * a.ow * (a.c / a.groups) * a.kh * a.kw;
}

const F32 = 4;

/**
 * Wraps every kernel of a backend so that each call is timed and its work counted; `rows()`
 * returns the totals per kernel kind, `table()` formats them. Results are unchanged.
 */
export function profileKernels(inner: Kernels, opts: { byShape?: boolean } = {}): { kernels: Kernels; rows(): ProfileRow[]; table(wallMs?: number): string; reset(): void } {
  const stats = new Map<string, ProfileRow>();
  const time = <T>(label: string, work: Work, f: () => T, shape?: () => string): T => {
    const name = opts.byShape && shape ? `${label} ${shape()}` : label;
    const t0 = performance.now();
    const out = f();
    const ms = performance.now() - t0;
    let r = stats.get(name);
    if (!r) stats.set(name, (r = { name, calls: 0, ms: 0, flops: 0, bytes: 0, updates: 0 }));
    r.calls++;
    r.ms += ms;
    r.flops += work.flops ?? 0;
    r.bytes += work.bytes ?? 0;
    r.updates += work.updates ?? 0;
    return out;
  };
  const k: Kernels = {
    name: inner.name,
    threads: inner.threads,
    matmul: (a, b, args) =>
      time('matmul', { flops: 2 * args.batch * args.m * args.k * args.n }, () => inner.matmul(a, b, args),
        () => `${args.batch}x${args.m}x${args.k}x${args.n}${args.transA ? ' tA' : ''}${args.transB ? ' tB' : ''}`),
    conv2d: (x, w, bias, args) => time(convName(args), { flops: convFlops(args) }, () => inner.conv2d(x, w, bias, args), () => convShape(args)),
    conv2dBackwardInput: (gy, w, args) =>
      time(`${convName(args)} bwd input`, { flops: convFlops(args) }, () => inner.conv2dBackwardInput(gy, w, args), () => convShape(args)),
    conv2dBackwardWeight: (gy, x, args) =>
      time(`${convName(args)} bwd weight`, { flops: convFlops(args) }, () => inner.conv2dBackwardWeight(gy, x, args), () => convShape(args)),
    channelNorm: (x, weight, bias, args) =>
      time('layer norm', { bytes: 2 * F32 * args.n * args.c * args.hw }, () => inner.channelNorm(x, weight, bias, args)),
    channelNormBackward: (gy, x, weight, mean, rstd, args) =>
      time('layer norm bwd', { bytes: 3 * F32 * args.n * args.c * args.hw }, () => inner.channelNormBackward(gy, x, weight, mean, rstd, args)),
    scan: (inputs, args) =>
      time('selective scan', { updates: args.b * args.groups * args.d * args.n * args.L }, () => inner.scan(inputs, args),
        () => `b${args.b} K${args.groups} d${args.d} n${args.n} L${args.L}`),
    scanBackward: (inputs, states, gy, args) =>
      time('selective scan bwd', { updates: args.b * args.groups * args.d * args.n * args.L }, () => inner.scanBackward(inputs, states, gy, args)),
    unary: (op, x) => time(`${op}`, { bytes: 2 * F32 * x.length }, () => inner.unary(op, x)),
    unaryBackward: (op, x, y, gy) => time(`${op} bwd`, { bytes: 3 * F32 * x.length }, () => inner.unaryBackward(op, x, y, gy)),
    gate: (op, a, b, args) => time(`${op} gate`, { bytes: 3 * F32 * args.rows * args.len }, () => inner.gate(op, a, b, args)),
    gateBackward: (op, a, b, gy, args) =>
      time(`${op} gate bwd`, { bytes: 5 * F32 * args.rows * args.len }, () => inner.gateBackward(op, a, b, gy, args)),
    gateBackwardPacked: (op, a, b, gy, args) =>
      time(`${op} gate bwd`, { bytes: 5 * F32 * args.rows * args.len }, () => inner.gateBackwardPacked(op, a, b, gy, args)),
    ss2dGather: (x, args) => time('ss2d gather', { bytes: 5 * F32 * x.length }, () => inner.ss2dGather(x, args)),
    ss2dMerge: (ys, args) => time('ss2d merge', { bytes: 1.25 * F32 * ys.length }, () => inner.ss2dMerge(ys, args)),
    binary: (op, a, sa, b, sb, shape) =>
      time(op, { bytes: 3 * F32 * shape.reduce((x, y) => x * y, 1) }, () => inner.binary(op, a, sa, b, sb, shape)),
    gather: (src, shape, strides, offset) =>
      time('strided copy', { bytes: 2 * F32 * shape.reduce((x, y) => x * y, 1) }, () => inner.gather(src, shape, strides, offset)),
    empty: (length) => inner.empty(length),
  };
  const rows = () => [...stats.values()].sort((a, b) => b.ms - a.ms);
  const table = (wallMs?: number): string => {
    const list = rows();
    const kernelMs = list.reduce((s, r) => s + r.ms, 0);
    const total = wallMs !== undefined && wallMs > kernelMs ? wallMs : kernelMs;
    const w = Math.max(30, ...list.map((r) => r.name.length));
    const lines = [`${'kernel'.padEnd(w)} ${'calls'.padStart(7)} ${'total ms'.padStart(10)} ${'share'.padStart(6)}  throughput`];
    const rate = (r: ProfileRow): string => {
      if (r.ms <= 0) return '';
      if (r.flops) return `${(r.flops / r.ms / 1e6).toFixed(1)} GFLOP/s`;
      if (r.updates) return `${(r.updates / r.ms / 1e6).toFixed(2)} Gupd/s`;
      if (r.bytes) return `${(r.bytes / r.ms / 1e6).toFixed(1)} GB/s`;
      return '';
    };
    for (const r of list) {
      lines.push(`${r.name.padEnd(w)} ${String(r.calls).padStart(7)} ${r.ms.toFixed(1).padStart(10)} ${((100 * r.ms) / total).toFixed(1).padStart(5)}%  ${rate(r)}`);
    }
    if (wallMs !== undefined && wallMs > kernelMs) {
      lines.push(`${'outside kernels (TypeScript, GC)'.padEnd(w)} ${''.padStart(7)} ${(wallMs - kernelMs).toFixed(1).padStart(10)} ${((100 * (wallMs - kernelMs)) / total).toFixed(1).padStart(5)}%`);
    }
    lines.push(`${'total'.padEnd(w)} ${String(list.reduce((s, r) => s + r.calls, 0)).padStart(7)} ${total.toFixed(1).padStart(10)}`);
    return lines.join('\n');
  };
  return { kernels: k, rows, table, reset: () => stats.clear() };
}
