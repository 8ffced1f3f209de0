/**
 * The kernel set on WebGPU: each kernel becomes one job (job.ts) of WGSL passes (shaders/) that a
 * device runs. `run` executes a job and returns its outputs; it is synchronous here because the
 * kernel boundary is (Node runs the device in a worker and waits for it: node.ts), so every
 * call uploads its inputs and reads its outputs back. Keeping tensors on the device across calls
 * is the next step (docs/webgpu.md).
 */
import {
  binaryOpId, matmulOutputLength, MAX_STRIDED_RANK, scanBcStride, unaryOpId,
  type ChannelNormArgs, type Conv2dArgs, type Kernels, type ScanArgs, type ScanInputs,
} from '../kernels.js';
import { f32Bits, groupsFor, MAX_GROUPS_PER_DIM, outputBuffer, scratchBuffer, type GpuJob, type GpuPass } from './job.js';
import { CONV_BLOCK_TILE } from './shaders/conv-blocked.js';
import { MATMUL_TILE } from './shaders/matmul.js';
import { SCAN_MAX_STATES } from './shaders/scan.js';

export type RunJob = (job: GpuJob) => Float32Array[];

export interface WebgpuOptions {
  /**
   * The scan's chunks in parallel, forward (three passes, twice the exponentials) and backward
   * (five), rather than one thread per channel along the whole sequence: what a GPU needs to fill
   * its cores, and 2× slower on a CPU implementation of WebGPU (SwiftShader on two cores), where
   * the loaders turn it off.
   */
  parallelScan: boolean;
  /**
   * Most floats the chunk-parallel backward's recomputed states may take (default 2^24, 64 MB);
   * its chunks run in slices that fit.
   */
  scanBackwardScratch?: number;
}

export interface WebgpuKernels extends Kernels, Readonly<WebgpuOptions> {
  readonly name: 'webgpu';
  /** The adapter the device belongs to, as the bench names it. */
  readonly adapter: string;
}

const runners = new WeakMap<WebgpuKernels, RunJob>();

/** The same device's kernels with other options (the tests run both scans on one adapter). */
export function webgpuKernelsWith(k: WebgpuKernels, options: Partial<WebgpuOptions>): WebgpuKernels {
  const run = runners.get(k);
  if (!run) throw new Error('webgpuKernelsWith: not kernels made by createWebgpuKernels');
  return createWebgpuKernels(run, k.adapter, { parallelScan: k.parallelScan, scanBackwardScratch: k.scanBackwardScratch, ...options });
}

const EMPTY = new Float32Array(1);

/** One pass over `count` threads, its outputs read back: the shape of most kernels. */
function flatJob(shader: string, inputs: Float32Array[], outputs: number[], count: number, params: number[]): GpuJob {
  const bindings = [...inputs.keys(), ...outputs.map((_, i) => inputs.length + i)];
  return { inputs, outputs, scratch: [], passes: [{ shader, bindings, params: [count, ...params], workgroups: groupsFor(count) }] };
}

function convParams(a: Conv2dArgs): number[] {
  return [a.n, a.c, a.h, a.w, a.o, a.kh, a.kw, a.padH, a.padW, a.groups, a.oh, a.ow];
}

function normParams(a: ChannelNormArgs, hasBias: boolean): number[] {
  return [a.n, a.c, a.hw, f32Bits(a.eps), +a.subtractMean, +hasBias];
}

/** Strided-kernel parameters: rank, sizes and each view's strides padded to MAX_STRIDED_RANK. */
function stridedParams(shape: readonly number[], ...strides: (readonly number[])[]): number[] {
  if (shape.length > MAX_STRIDED_RANK) throw new Error(`webgpu kernels: rank ${shape.length} exceeds ${MAX_STRIDED_RANK}`);
  const pad = (v: readonly number[]) => [...v.map((x) => x | 0), ...new Array<number>(MAX_STRIDED_RANK - v.length).fill(0)];
  return [shape.length, ...pad(shape), ...strides.flatMap(pad)];
}

/** The elements a view needs: the extent its (non-negative) strides reach, plus one. */
function extent(shape: readonly number[], strides: readonly number[]): number {
  let e = 0;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    e += (shape[i] - 1) * strides[i];
  }
  return e + 1;
}

/** B and C as one array, with where C starts: in place when C lies after B in one buffer (the x-projection). */
function packBC(inp: ScanInputs, need: number): { bc: Float32Array; cOffset: number } {
  const { B, C } = inp;
  const gap = (C.byteOffset - B.byteOffset) / 4;
  if (B.buffer === C.buffer && gap >= 0 && Number.isInteger(gap) && B.byteOffset + (gap + need) * 4 <= B.buffer.byteLength) {
    return { bc: new Float32Array(B.buffer, B.byteOffset, gap + need), cOffset: gap };
  }
  const bc = new Float32Array(2 * need);
  bc.set(B.subarray(0, need));
  bc.set(C.subarray(0, need), need);
  return { bc, cOffset: need };
}

function scanConsts(inp: ScanInputs, ch: number, n: number): Float32Array {
  const consts = new Float32Array(ch * n + 2 * ch);
  consts.set(inp.A.subarray(0, ch * n));
  consts.set(inp.D.subarray(0, ch), ch * n);
  consts.set(inp.deltaBias.subarray(0, ch), ch * n + ch);
  return consts;
}

function scanParams(a: ScanArgs, cOffset: number): number[] {
  if (a.n > SCAN_MAX_STATES) throw new Error(`webgpu kernels: the scan holds at most ${SCAN_MAX_STATES} states per channel, got ${a.n}`);
  return [a.b, a.groups, a.d, a.n, a.L, a.chunk, scanBcStride(a), cOffset];
}

/** The matmul shader's pass over buffers 0 (A), 1 (B) and 2 (C), `batch` products of m×k by k×n. */
function matmulPass(m: number, k: number, n: number, batch: number, transA: boolean, transB: boolean, strides: [number, number, number], accumulate: boolean): GpuPass {
  return {
    shader: 'matmul',
    bindings: [0, 1, 2],
    params: [m, k, n, +transA, +transB, ...strides, +accumulate],
    workgroups: [Math.ceil(n / MATMUL_TILE), Math.ceil(m / MATMUL_TILE), batch],
  };
}

/** A 1×1 convolution without padding or groups: per image, a matrix product with the weights. */
function isPointwise(a: Conv2dArgs): boolean {
  return a.kh === 1 && a.kw === 1 && a.padH === 0 && a.padW === 0 && a.groups === 1 && a.n <= MAX_GROUPS_PER_DIM;
}

/**
 * out[b] = op(W) · v[b] for each of `batch` images: W is (o, c) as stored, op(W) is W
 * (forward: rows × inner = o × c) or Wᵀ (input gradient: c × o); v[b] is inner × hw.
 */
function pointwiseJob(w: Float32Array, v: Float32Array, rows: number, inner: number, hw: number, batch: number, transW: boolean, bias: Float32Array | null = null): GpuJob {
  // a bias is the output's initial value, which the product accumulates onto
  let init: Float32Array | undefined;
  if (bias) {
    init = new Float32Array(batch * rows * hw);
    for (let b = 0; b < batch; b++) for (let r = 0; r < rows; r++) init.fill(bias[r], (b * rows + r) * hw, (b * rows + r + 1) * hw);
  }
  return {
    inputs: [w, v],
    outputs: [batch * rows * hw],
    scratch: [],
    outputInit: init ? [init] : undefined,
    passes: [matmulPass(rows, inner, hw, batch, transW, false, [0, inner * hw, rows * hw], init !== undefined)],
  };
}

/**
 * A dense convolution's pass as an implicit matrix product (shaders/conv-blocked.ts) over a
 * rows × cols result per image, or null when its grid would exceed the dispatch limits (the
 * direct shader then serves it).
 */
function blockedConvJob(shader: string, inputs: Float32Array[], a: Conv2dArgs, rows: number, cols: number, images: number, extra: number[] = []): GpuJob | null {
  const gx = Math.ceil(cols / CONV_BLOCK_TILE), gy = Math.ceil(rows / CONV_BLOCK_TILE);
  if (a.groups !== 1 || gx > MAX_GROUPS_PER_DIM || gy > MAX_GROUPS_PER_DIM || images > MAX_GROUPS_PER_DIM) return null;
  const params = [a.n, a.c, a.h, a.w, a.o, a.kh, a.kw, a.padH, a.padW, a.oh, a.ow, ...extra];
  return { inputs, outputs: [images * rows * cols], scratch: [], passes: [{ shader, bindings: [...inputs.keys(), inputs.length], params, workgroups: [gx, gy, images] }] };
}

/** The scan backward's outputs in a job: [du | ddelta], [dA | dD | dDeltaBias], [dB | dC]. */
function scanBackwardOutputs(job: GpuJob): [number, number, number] {
  return [outputBuffer(job, 0), outputBuffer(job, 1), outputBuffer(job, 2)];
}

/** One thread per channel along its whole sequence, one per (batch, group, state) for dB and dC; sets the job's scratch. */
function serialScanBackward(job: GpuJob, a: ScanArgs, params: number[]): GpuPass[] {
  const ch = a.groups * a.d;
  const perChannel = a.b * ch;
  const perState = a.b * a.groups * a.n;
  job.scratch = [perChannel * (a.n + 2), perChannel * (a.chunk + 1) * a.n, perState * (a.chunk + 1)];
  const [dseq, red, dbc] = scanBackwardOutputs(job);
  const [part, hs1, hs2] = [0, 1, 2].map((i) => scratchBuffer(job, i));
  return [
    { shader: 'scanBackwardChannel', bindings: [0, 1, 2, 3, dseq, part, hs1], params: [perChannel, ...params], workgroups: groupsFor(perChannel) },
    { shader: 'scanBackwardState', bindings: [0, 1, 2, 3, dbc, hs2], params: [perState, ...params], workgroups: groupsFor(perState) },
    { shader: 'scanBackwardReduce', bindings: [part, red], params: [ch, ...params, 1], workgroups: groupsFor(ch) },
  ];
}

const SCAN_BACKWARD_SCRATCH = 1 << 24;

/** The chunks in parallel (shaders/scan.ts, passes A–D), then the reduction; sets the job's scratch. */
function chunkedScanBackward(job: GpuJob, a: ScanArgs, params: number[], scratchFloats: number): GpuPass[] {
  const ch = a.groups * a.d;
  const rows = a.b * ch;
  const nChunks = Math.ceil(a.L / a.chunk);
  const perChunkState = rows * (a.chunk + 1) * a.n;
  const slice = Math.max(1, Math.min(nChunks, Math.floor(scratchFloats / perChunkState)));
  const states = rows * nChunks * a.n;
  const stateThreads = a.b * a.groups * a.n * nChunks;
  // part: the (row, chunk) sums, then the carries (shaders/scan.ts)
  job.scratch = [rows * nChunks * (a.n + 2) + states, slice * perChunkState, stateThreads * (a.chunk + 1), 2 * states];
  const [dseq, red, dbc] = scanBackwardOutputs(job);
  const [part, hs1, hs2, part2] = [0, 1, 2, 3].map((i) => scratchBuffer(job, i));
  const passes: GpuPass[] = [
    { shader: 'scanBackChunkLocal', bindings: [0, 1, 2, part2], params: [states, ...params], workgroups: groupsFor(states) },
    { shader: 'scanBackChunkCarry', bindings: [part2, part], params: [rows * a.n, ...params], workgroups: groupsFor(rows * a.n) },
  ];
  for (let first = 0; first < nChunks; first += slice) {
    const count = Math.min(slice, nChunks - first);
    passes.push({ shader: 'scanBackChunkChannel', bindings: [0, 1, 2, 3, dseq, part, hs1], params: [rows * count, ...params, first, count], workgroups: groupsFor(rows * count) });
  }
  passes.push(
    { shader: 'scanBackChunkState', bindings: [0, 1, 2, 3, part, dbc, hs2], params: [stateThreads, ...params], workgroups: groupsFor(stateThreads) },
    { shader: 'scanBackwardReduce', bindings: [part, red], params: [ch, ...params, nChunks], workgroups: groupsFor(ch) },
  );
  return passes;
}

export function createWebgpuKernels(run: RunJob, adapter: string, options: WebgpuOptions): WebgpuKernels {
  const one = (job: GpuJob): Float32Array => run(job)[0];
  const kernels: WebgpuKernels = {
    name: 'webgpu',
    threads: 1,
    adapter,
    parallelScan: options.parallelScan,
    scanBackwardScratch: options.scanBackwardScratch,

    matmul(a, b, m) {
      const len = matmulOutputLength(m);
      const strideC = m.strideC ?? m.m * m.n;
      if (m.accumulate && !m.into) throw new Error('webgpu kernels: matmul accumulate needs an into array');
      if (m.into && m.into.length < len) throw new Error(`webgpu kernels: matmul into has ${m.into.length} elements, the call needs ${len}`);
      if (m.batch > MAX_GROUPS_PER_DIM) throw new Error(`webgpu kernels: matmul batch ${m.batch} exceeds ${MAX_GROUPS_PER_DIM}`);
      if (len === 0) return m.into ?? new Float32Array(0);
      const keep = m.into !== undefined && (m.accumulate || strideC !== m.m * m.n);
      const job: GpuJob = {
        inputs: [a, b],
        outputs: [len],
        scratch: [],
        outputInit: keep ? [m.into!.subarray(0, len)] : undefined,
        passes: [matmulPass(m.m, m.k, m.n, m.batch, m.transA, m.transB, [m.strideA, m.strideB, strideC], m.accumulate ?? false)],
      };
      const c = one(job);
      if (!m.into) return c;
      m.into.set(c);
      return m.into;
    },

    conv2d(x, w, bias, a) {
      const total = a.n * a.o * a.oh * a.ow;
      if (isPointwise(a)) return one(pointwiseJob(w, x, a.o, a.c, a.h * a.w, a.n, false, bias));
      const blocked = blockedConvJob('conv2dBlocked', [x, w, bias ?? EMPTY], a, a.o, a.oh * a.ow, a.n, [+(bias !== null)]);
      if (blocked) return one(blocked);
      return one(flatJob('conv2d', [x, w, bias ?? EMPTY], [total], total, [...convParams(a), +(bias !== null)]));
    },
    conv2dBackwardInput(gy, w, a) {
      const total = a.n * a.c * a.h * a.w;
      if (isPointwise(a)) return one(pointwiseJob(w, gy, a.c, a.o, a.h * a.w, a.n, true));
      const blocked = blockedConvJob('conv2dBackwardInputBlocked', [gy, w], a, a.c, a.h * a.w, a.n);
      if (blocked) return one(blocked);
      return one(flatJob('conv2dBackwardInput', [gy, w], [total], total, convParams(a)));
    },
    conv2dBackwardWeight(gy, x, a) {
      const total = a.o * (a.c / a.groups) * a.kh * a.kw;
      const blocked = blockedConvJob('conv2dBackwardWeightBlocked', [gy, x], a, a.o, a.c * a.kh * a.kw, 1);
      if (blocked) return one(blocked);
      return one(flatJob('conv2dBackwardWeight', [gy, x], [total], total, convParams(a)));
    },

    channelNorm(x, weight, bias, a) {
      const px = a.n * a.hw;
      const [y, mean, rstd] = run(flatJob('channelNorm', [x, weight, bias ?? EMPTY], [x.length, px, px], px, normParams(a, bias !== null)));
      return { y, mean, rstd };
    },
    channelNormBackward(gy, x, weight, mean, rstd, a) {
      const px = a.n * a.hw;
      const params = normParams(a, false);
      const job: GpuJob = {
        inputs: [gy, x, weight, mean, rstd],
        outputs: [x.length, 2 * a.c],
        scratch: [],
        passes: [
          { shader: 'channelNormBackward', bindings: [0, 1, 2, 3, 4, 5], params: [px, ...params], workgroups: groupsFor(px) },
          { shader: 'channelNormWeight', bindings: [0, 1, 3, 4, 6], params: [a.c, ...params], workgroups: groupsFor(a.c) },
        ],
      };
      const [dx, dwb] = run(job);
      return { dx, dweight: dwb.slice(0, a.c), dbias: dwb.slice(a.c) };
    },

    scan(inp, a) {
      const ch = a.groups * a.d;
      const need = (a.b * a.groups - 1) * scanBcStride(a) + a.n * a.L;
      const { bc, cOffset } = packBC(inp, need);
      const threads = a.b * ch;
      const nChunks = Math.ceil(a.L / a.chunk);
      const inputs = [inp.u, inp.delta, scanConsts(inp, ch, a.n), bc];
      const params = scanParams(a, cOffset);
      if (nChunks === 1 || !options.parallelScan) {
        const [y, states] = run(flatJob('scan', inputs, [threads * a.L, threads * nChunks * a.n], threads, params));
        return { y, states };
      }
      // the chunks in parallel: buffers 0–3 inputs, 4 y, 5 states, 6 the chunks' (Π e, h_local)
      const local = threads * nChunks * a.n;
      const job: GpuJob = { inputs, outputs: [threads * a.L, local], scratch: [2 * local], passes: [] };
      const [yAt, statesAt, partAt] = [outputBuffer(job, 0), outputBuffer(job, 1), scratchBuffer(job, 0)];
      job.passes = [
        { shader: 'scanChunkLocal', bindings: [0, 1, 2, 3, partAt], params: [local, ...params], workgroups: groupsFor(local) },
        { shader: 'scanChunkCarry', bindings: [partAt, statesAt], params: [threads * a.n, ...params], workgroups: groupsFor(threads * a.n) },
        { shader: 'scanChunkOutput', bindings: [0, 1, 2, 3, statesAt, yAt], params: [threads * nChunks, ...params], workgroups: groupsFor(threads * nChunks) },
      ];
      const [y, states] = run(job);
      return { y, states };
    },
    scanBackward(inp, states, gy, a) {
      const ch = a.groups * a.d;
      const need = (a.b * a.groups - 1) * scanBcStride(a) + a.n * a.L;
      const { bc, cOffset } = packBC(inp, need);
      const seqLen = a.b * ch * a.L;
      const seq = new Float32Array(3 * seqLen);
      seq.set(inp.u.subarray(0, seqLen));
      seq.set(inp.delta.subarray(0, seqLen), seqLen);
      seq.set(gy.subarray(0, seqLen), 2 * seqLen);
      const bcLen = a.b * a.groups * a.n * a.L;
      const params = scanParams(a, cOffset);
      const nChunks = Math.ceil(a.L / a.chunk);
      const job: GpuJob = { inputs: [seq, scanConsts(inp, ch, a.n), bc, states], outputs: [2 * seqLen, ch * a.n + 2 * ch, 2 * bcLen], scratch: [], passes: [] };
      job.passes = nChunks === 1 || !options.parallelScan ? serialScanBackward(job, a, params) : chunkedScanBackward(job, a, params, options.scanBackwardScratch ?? SCAN_BACKWARD_SCRATCH);
      const [ds, r, d] = run(job);
      const cn = ch * a.n;
      return {
        du: ds.slice(0, seqLen), ddelta: ds.slice(seqLen),
        dA: r.slice(0, cn), dD: r.slice(cn, cn + ch), dDeltaBias: r.slice(cn + ch),
        dB: d.slice(0, bcLen), dC: d.slice(bcLen),
      };
    },

    unary(op, x) {
      return one(flatJob('unary', [x], [x.length], x.length, [unaryOpId(op)]));
    },
    unaryBackward(op, x, y, gy) {
      return one(flatJob('unaryBackward', [x, y ?? EMPTY, gy], [gy.length], gy.length, [unaryOpId(op), +(y !== null)]));
    },
    gate(op, a, b, g) {
      const total = g.rows * g.len;
      return one(flatJob('gate', [a, b], [total], total, [unaryOpId(op), g.len, g.strideA, g.strideB]));
    },
    gateBackward(op, a, b, gy, g) {
      const total = g.rows * g.len;
      const d = one(flatJob('gateBackward', [a, b, gy], [2 * total], total, [unaryOpId(op), g.len, g.strideA, g.strideB, 0, total, g.len]));
      return { da: d.slice(0, total), db: d.slice(total) };
    },
    gateBackwardPacked(op, a, b, gy, g) {
      const total = g.rows * g.len;
      return one(flatJob('gateBackward', [a, b, gy], [2 * total], total, [unaryOpId(op), g.len, g.strideA, g.strideB, 0, g.len, 2 * g.len]));
    },

    ss2dGather(x, a) {
      const total = 4 * a.b * a.c * a.h * a.w;
      return one(flatJob('ss2dGather', [x], [total], total, [a.c, a.h, a.w]));
    },
    ss2dMerge(ys, a) {
      const total = a.b * a.c * a.h * a.w;
      return one(flatJob('ss2dMerge', [ys], [total], total, [a.c, a.h, a.w]));
    },

    binary(op, a, aStrides, b, bStrides, shape) {
      const total = shape.reduce((p, s) => p * s, 1);
      if (total === 0) return new Float32Array(0);
      const av = a.subarray(0, extent(shape, aStrides));
      const bv = b.subarray(0, extent(shape, bStrides));
      return one(flatJob('binary', [av, bv], [total], total, [...stridedParams(shape, aStrides, bStrides), binaryOpId(op)]));
    },
    gather(src, shape, strides, offset) {
      const total = shape.reduce((p, s) => p * s, 1);
      if (total === 0) return new Float32Array(0);
      return one(flatJob('gather', [src], [total], total, [...stridedParams(shape, strides), offset | 0]));
    },

    empty: (length) => new Float32Array(length),
  };
  runners.set(kernels, run);
  return kernels;
}
