import {
  binaryOpId, convSizes, matmulOutputLength, scanBcStride, unaryOpId,
  type BinaryOp, type Conv2dArgs, type GateArgs, type Kernels, type ScanArgs, type ScanGrads, type ScanInputs,
} from '../kernels.js';
import { kernelExports, type ScanShape } from './exports.js';
import { WasmHeap } from './heap.js';
import type { WasmThreads } from './threads.js';

/** The kernels of the WebAssembly module, with what the tests and the bench reach for. */
export interface WasmKernels extends Kernels {
  readonly name: 'wasm';
  /** Fill every output with NaN before each kernel runs (tests: catches unwritten elements). */
  poisonOutputs: boolean;
  /** Frees the kernels' scratch buffers in the module's heap; returns the bytes freed. */
  releaseMemory(): number;
  /** Resolves with the thread count once every worker of the threads build is parked (1 at once for one thread). */
  readonly ready: Promise<number>;
}

/**
 * The kernel set over an instance of native/diffmamba_kernels.wasm (the addon's C++ kernels
 * compiled to WebAssembly SIMD128), on one thread; or, given `threads` (threads.ts), over the
 * threads build's instance on the shared `memory`, whose kernels also run on its workers. Works
 * wherever WebAssembly does: Node, a browser page or a worker.
 */
export function createWasmKernels(instance: WebAssembly.Instance, opts: { memory?: WebAssembly.Memory; threads?: WasmThreads } = {}): WasmKernels {
  const ex = kernelExports(instance, opts.memory);
  // a reactor module's static initialisers, once
  (instance.exports._initialize as (() => void) | undefined)?.();
  const heap = new WasmHeap(ex);
  const pool = opts.threads ?? null;
  if (pool) {
    heap.beforeCall = () => pool.beforeCall(ex);
    heap.afterCall = () => pool.afterCall(ex);
  }
  /** Fails unless `a` holds at least `need` elements: the module would read whatever lies past it. */
  const fit = (a: Float32Array, need: number, what: string): Float32Array => {
    if (a.length < need) throw new Error(`wasm kernels: ${what} has ${a.length} elements, the call needs ${need}`);
    return a.length === need ? a : a.subarray(0, need);
  };
  const k: WasmKernels = {
    name: 'wasm',
    get threads() {
      return pool ? pool.active : 1;
    },
    get poisonOutputs() {
      return heap.poisonOutputs;
    },
    set poisonOutputs(on: boolean) {
      heap.poisonOutputs = on;
    },
    releaseMemory: () => ex.dm_release_scratch(),
    ready: pool ? pool.ready(ex) : Promise.resolve(1),

    matmul(a, b, m) {
      const needA = m.batch > 0 ? (m.batch - 1) * m.strideA + m.m * m.k : 0;
      const needB = m.batch > 0 ? (m.batch - 1) * m.strideB + m.k * m.n : 0;
      const lenC = matmulOutputLength(m);
      const strideC = m.strideC ?? m.m * m.n;
      if (m.accumulate && !m.into) throw new Error('wasm kernels: matmul accumulate needs an into array');
      const into = m.into ? fit(m.into, lenC, 'into') : null;
      // an into that the product overwrites whole is only an output; otherwise it is copied in, so
      // the gaps between batch matrices (and what accumulate adds to) survive
      const whole = into !== null && !m.accumulate && strideC === m.m * m.n;
      const readInto = into !== null && !whole;
      const [c] = heap.run([fit(a, needA, 'a'), fit(b, needB, 'b'), readInto ? into : null], readInto ? [] : [into ?? lenC], ([pa, pb, pInto], outs) =>
        ex.dm_matmul(pa, pb, pInto || outs[0], m.batch, m.m, m.k, m.n, +m.transA, +m.transB, m.strideA, m.strideB, strideC, +(m.accumulate ?? false)),
        readInto ? [2] : [],
      );
      return m.into ?? c;
    },

    conv2d(x, w, bias, a) {
      const [y] = heap.run([fit(x, xLen(a), 'x'), fit(w, wLen(a), 'w'), bias && fit(bias, a.o, 'bias')], [yLen(a)], ([px, pw, pb], [py]) =>
        ex.dm_conv2d(px, pw, pb, py, ...convSizes(a)));
      return y;
    },
    conv2dBackwardInput(gy, w, a) {
      const [gx] = heap.run([fit(gy, yLen(a), 'gy'), fit(w, wLen(a), 'w')], [xLen(a)], ([pg, pw], [px]) =>
        ex.dm_conv2d_backward_input(pg, pw, px, ...convSizes(a)));
      return gx;
    },
    conv2dBackwardWeight(gy, x, a) {
      const [gw] = heap.run([fit(gy, yLen(a), 'gy'), fit(x, xLen(a), 'x')], [wLen(a)], ([pg, px], [pw]) =>
        ex.dm_conv2d_backward_weight(pg, px, pw, ...convSizes(a)));
      return gw;
    },

    channelNorm(x, weight, bias, a) {
      const len = a.n * a.c * a.hw, pix = a.n * a.hw;
      const [y, mean, rstd] = heap.run([fit(x, len, 'x'), fit(weight, a.c, 'weight'), bias && fit(bias, a.c, 'bias')], [len, pix, pix],
        ([px, pw, pb], [py, pm, pr]) => ex.dm_channel_norm(px, pw, pb, py, pm, pr, a.n, a.c, a.hw, a.eps, +a.subtractMean));
      return { y, mean, rstd };
    },
    channelNormBackward(gy, x, weight, mean, rstd, a) {
      const len = a.n * a.c * a.hw, pix = a.n * a.hw;
      const ins = [fit(gy, len, 'gy'), fit(x, len, 'x'), fit(weight, a.c, 'weight'), fit(mean, pix, 'mean'), fit(rstd, pix, 'rstd')];
      const [dx, dweight, dbias] = heap.run(ins, [len, a.c, a.c], ([pg, px, pw, pm, pr], [pdx, pdw, pdb]) =>
        ex.dm_channel_norm_backward(pg, px, pw, pm, pr, pdx, pdw, pdb, a.n, a.c, a.hw, +a.subtractMean));
      return { dx, dweight, dbias };
    },

    scan(inputs, a) {
      const s = scanSizes(a);
      const { ins, cOffset } = scanIns(inputs, s, fit);
      const [y, states] = heap.run(ins, [s.rows, s.stateLen], (p, [py, ps]) =>
        ex.dm_scan(p[0], p[1], p[2], p[3], cAddress(p, cOffset), p[5], p[6], py, ps, ...s.shape));
      return { y, states };
    },
    scanBackward(inputs, states, gy, a): ScanGrads {
      const s = scanSizes(a);
      const { ins: scanned, cOffset } = scanIns(inputs, s, fit);
      const ins = [...scanned, fit(states, s.stateLen, 'states'), fit(gy, s.rows, 'gy')];
      const outs = [s.rows, s.rows, s.ch * a.n, s.bcLen, s.bcLen, s.ch, s.ch];
      const [du, ddelta, dA, dB, dC, dD, dDeltaBias] = heap.run(ins, outs, (p, g) =>
        ex.dm_scan_backward(p[0], p[1], p[2], p[3], cAddress(p, cOffset), p[5], p[6], p[7], p[8], g[0], g[1], g[2], g[3], g[4], g[5], g[6], ...s.shape));
      return { du, ddelta, dA, dB, dC, dD, dDeltaBias };
    },

    unary(op, x) {
      const [y] = heap.run([x], [x.length], ([px], [py]) => ex.dm_unary(unaryOpId(op), px, py, x.length));
      return y;
    },
    unaryBackward(op, x, y, gy) {
      const len = gy.length;
      const [gx] = heap.run([fit(x, len, 'x'), y && fit(y, len, 'y'), gy], [len], ([px, py, pg], [pgx]) =>
        ex.dm_unary_backward(unaryOpId(op), px, py, pg, pgx, len));
      return gx;
    },

    gate(op, a, b, g) {
      const [ga, gb] = gateIns(a, b, g, fit);
      const [y] = heap.run([ga, gb], [g.rows * g.len], ([pa, pb], [py]) =>
        ex.dm_gate(unaryOpId(op), pa, pb, py, g.rows, g.len, g.strideA, g.strideB));
      return y;
    },
    gateBackward(op, a, b, gy, g) {
      const [ga, gb] = gateIns(a, b, g, fit);
      const n = g.rows * g.len;
      const [da, db] = heap.run([ga, gb, fit(gy, n, 'gy')], [n, n], ([pa, pb, pg], [pda, pdb]) =>
        ex.dm_gate_backward(unaryOpId(op), pa, pb, pg, pda, pdb, g.rows, g.len, g.strideA, g.strideB, g.len, g.len));
      return { da, db };
    },
    gateBackwardPacked(op, a, b, gy, g) {
      const [ga, gb] = gateIns(a, b, g, fit);
      const n = g.rows * g.len;
      const [dx] = heap.run([ga, gb, fit(gy, n, 'gy')], [2 * n], ([pa, pb, pg], [pdx]) =>
        ex.dm_gate_backward(unaryOpId(op), pa, pb, pg, pdx, pdx + 4 * g.len, g.rows, g.len, g.strideA, g.strideB, 2 * g.len, 2 * g.len));
      return dx;
    },

    ss2dGather(x, s) {
      const plane = s.b * s.c * s.h * s.w;
      const [out] = heap.run([fit(x, plane, 'x')], [4 * plane], ([px], [po]) => ex.dm_ss2d_gather(px, po, s.b, s.c, s.h, s.w));
      return out;
    },
    ss2dMerge(ys, s) {
      const plane = s.b * s.c * s.h * s.w;
      const [out] = heap.run([fit(ys, 4 * plane, 'ys')], [plane], ([py], [po]) => ex.dm_ss2d_merge(py, po, s.b, s.c, s.h, s.w));
      return out;
    },

    binary(op: BinaryOp, a, aStrides, b, bStrides, shape) {
      const count = shape.reduce((p, n) => p * n, 1);
      if (count === 0) return new Float32Array(0);
      const spanA = view(shape, aStrides, 0), spanB = view(shape, bStrides, 0);
      const ins = [fit(a, spanA.hi + 1, 'a'), Int32Array.from(aStrides), fit(b, spanB.hi + 1, 'b'), Int32Array.from(bStrides), Int32Array.from(shape)];
      const [out] = heap.run(ins, [count], ([pa, psa, pb, psb, pshape], [po]) =>
        ex.dm_binary(binaryOpId(op), pa, psa, pb, psb, po, pshape, shape.length));
      return out;
    },
    gather(src, shape, strides, offset) {
      const count = shape.reduce((p, n) => p * n, 1);
      if (count === 0) return new Float32Array(0);
      const { lo, hi } = view(shape, strides, offset);
      if (lo < 0 || hi >= src.length) throw new Error(`wasm kernels: the view reads elements ${lo}…${hi} of an array of ${src.length}`);
      const [out] = heap.run([src.subarray(lo, hi + 1), Int32Array.from(strides), Int32Array.from(shape)], [count], ([ps, pst, pshape], [po]) =>
        ex.dm_gather(ps + 4 * (offset - lo), pst, po, pshape, shape.length));
      return out;
    },

    empty: (length) => new Float32Array(length),
  };
  return k;
}

const xLen = (a: Conv2dArgs) => a.n * a.c * a.h * a.w;
const yLen = (a: Conv2dArgs) => a.n * a.o * a.oh * a.ow;
const wLen = (a: Conv2dArgs) => a.o * (a.c / a.groups) * a.kh * a.kw;

type Fit = (a: Float32Array, need: number, what: string) => Float32Array;

interface ScanSizes {
  shape: ScanShape;
  ch: number;
  rows: number;
  stateLen: number;
  bcSpan: number;
  bcLen: number;
}

function scanSizes(a: ScanArgs): ScanSizes {
  const ch = a.groups * a.d;
  const block = a.n * a.L;
  const bcStride = scanBcStride(a);
  const blocks = a.b * a.groups;
  return {
    shape: [a.b, a.groups, a.d, a.n, a.L, a.chunk, bcStride],
    ch,
    rows: a.b * ch * a.L,
    stateLen: a.b * ch * Math.ceil(a.L / a.chunk) * a.n,
    bcSpan: blocks > 0 ? (blocks - 1) * bcStride + block : 0,
    bcLen: blocks * block,
  };
}

/**
 * The scan's inputs as the heap copies them, and where C starts: B and C read in place out of
 * one projection (ss2dScan) are copied once, as the span from B's first element to C's last,
 * with C at `cOffset` floats into it (`cOffset` -1: C is an input of its own).
 */
function scanIns(i: ScanInputs, s: ScanSizes, fit: Fit): { ins: (Float32Array | null)[]; cOffset: number } {
  const n = s.shape[3];
  const B = fit(i.B, s.bcSpan, 'B'), C = fit(i.C, s.bcSpan, 'C');
  const gap = (C.byteOffset - B.byteOffset) / 4;
  const shared = C.buffer === B.buffer && gap >= 0 && gap <= s.bcSpan && Number.isInteger(gap);
  const span = shared ? new Float32Array(B.buffer, B.byteOffset, gap + s.bcSpan) : B;
  return {
    ins: [fit(i.u, s.rows, 'u'), fit(i.delta, s.rows, 'delta'), fit(i.A, s.ch * n, 'A'), span, shared ? null : C,
      fit(i.D, s.ch, 'D'), fit(i.deltaBias, s.ch, 'deltaBias')],
    cOffset: shared ? gap : -1,
  };
}

/** The byte address of C given the heap addresses of the scan's inputs. */
const cAddress = (p: number[], cOffset: number): number => (cOffset < 0 ? p[4] : p[3] + 4 * cOffset);

function gateIns(a: Float32Array, b: Float32Array, g: GateArgs, fit: Fit): [Float32Array, Float32Array] {
  if (g.rows > 1 && (g.strideA < g.len || g.strideB < g.len)) throw new Error('wasm kernels: gate strides must be at least len');
  const needA = g.rows > 0 ? (g.rows - 1) * g.strideA + g.len : 0;
  const needB = g.rows > 0 ? (g.rows - 1) * g.strideB + g.len : 0;
  return [fit(a, needA, 'a'), fit(b, needB, 'b')];
}

/** The lowest and highest element a strided view reads (shape not empty). */
function view(shape: readonly number[], strides: readonly number[], offset: number): { lo: number; hi: number } {
  let lo = offset, hi = offset;
  shape.forEach((n, k) => {
    const reach = (n - 1) * strides[k];
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  return { lo, hi };
}
