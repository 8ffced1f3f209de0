/**
 * The kernel boundary: every backend (pure TypeScript, C++ addon) implements exactly this.
 * Plain Float32Arrays and integer sizes in, Float32Arrays out. Shapes are validated by the
 * tensor ops before a kernel is called; kernels trust their arguments.
 * All arrays are dense, row-major (C order).
 */

/** C[b] = op(A[b]) · op(B[b]); op(A) is m×k, op(B) is k×n, C is m×n. */
export interface MatmulArgs {
  batch: number;
  m: number;
  k: number;
  n: number;
  /** A is stored k×m (per batch) and used transposed. */
  transA: boolean;
  /** B is stored n×k (per batch) and used transposed. */
  transB: boolean;
  /** Elements between consecutive batch matrices; 0 broadcasts one matrix to every batch. */
  strideA: number;
  strideB: number;
  /**
   * Where C goes: this array, instead of a new one (returned either way), batch matrix bi at
   * bi·strideC (default m·n); with accumulate, A·B is added to what it holds.
   */
  into?: Float32Array;
  accumulate?: boolean;
  strideC?: number;
}

/** The elements a matmul writes into: its `into` array must hold at least this many. */
export function matmulOutputLength(a: MatmulArgs): number {
  if (a.batch === 0) return 0;
  return (a.batch - 1) * (a.strideC ?? a.m * a.n) + a.m * a.n;
}

/** 2-D convolution, stride 1, NCHW input, OIHW weight (I = C / groups). */
export interface Conv2dArgs {
  n: number;
  c: number;
  h: number;
  w: number;
  /** Output channels. */
  o: number;
  kh: number;
  kw: number;
  padH: number;
  padW: number;
  groups: number;
  /** Output height / width: h + 2·padH − kh + 1, w + 2·padW − kw + 1. */
  oh: number;
  ow: number;
}

/** A convolution's sizes in the C kernels' order: n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow. */
export function convSizes(a: Conv2dArgs): [number, number, number, number, number, number, number, number, number, number, number, number] {
  return [a.n, a.c, a.h, a.w, a.o, a.kh, a.kw, a.padH, a.padW, a.groups, a.oh, a.ow];
}

/** LayerNorm over the channel axis of an (n, c, hw) array: statistics per (n, pixel). */
export interface ChannelNormArgs {
  n: number;
  c: number;
  hw: number;
  eps: number;
  /** 'WithBias' subtracts the mean; 'BiasFree' only divides by the standard deviation. */
  subtractMean: boolean;
}

/**
 * Selective scan over (b, K·d, L) channels; B and C are grouped (b, K, n, L): group k drives
 * channels k·d … k·d+d−1. A is (K·d, n); D and deltaBias are (K·d).
 *   dt_l = softplus(delta_l + deltaBias)   (threshold 20, as PyTorch)
 *   h_l  = exp(dt_l·A)·h_{l−1} + dt_l·B_l·u_l,   y_l = C_l·h_l + D·u_l
 */
export interface ScanArgs {
  b: number;
  groups: number;
  d: number;
  n: number;
  L: number;
  /** Steps between saved states; the forward saves h at the end of every chunk for the backward. */
  chunk: number;
  /**
   * Elements between the (n, L) blocks of B (and of C) of consecutive (batch, group) pairs:
   * n·L (the default) when B and C are packed (b, groups, n, L); larger to read them in place
   * out of a wider array such as the x-projection. dB and dC are always packed.
   */
  bcStride?: number;
}

/** The B / C block stride of a scan call: bcStride, or n·L when B and C are packed. */
export function scanBcStride(a: ScanArgs): number {
  return a.bcStride ?? a.n * a.L;
}

export interface ScanInputs {
  u: Float32Array;
  delta: Float32Array;
  A: Float32Array;
  B: Float32Array;
  C: Float32Array;
  D: Float32Array;
  deltaBias: Float32Array;
}

export interface ScanGrads {
  du: Float32Array;
  ddelta: Float32Array;
  dA: Float32Array;
  dB: Float32Array;
  dC: Float32Array;
  dD: Float32Array;
  dDeltaBias: Float32Array;
}

/** Activations with elementwise kernels; the index in this list is the native op id. */
export const UNARY_OPS = ['exp', 'sigmoid', 'softplus', 'silu', 'gelu'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/**
 * A gate y = act(a)·b over `rows` rows of `len` elements: row r of a starts at r·strideA,
 * of b at r·strideB (strides ≥ len, or anything when rows ≤ 1); y is dense (rows, len).
 */
export interface GateArgs {
  rows: number;
  len: number;
  strideA: number;
  strideB: number;
}

/** The native op id of an activation (its index in UNARY_OPS); an unknown name is an error. */
export function unaryOpId(op: UnaryOp): number {
  const id = UNARY_OPS.indexOf(op);
  if (id < 0) throw new Error(`unknown activation '${op}'`);
  return id;
}

/** Binary arithmetic ops; the index is the native op id (native/strided_impl.inc, checked by a test). */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** The native op id of a binary op (its index in BINARY_OPS); an unknown name is an error. */
export function binaryOpId(op: BinaryOp): number {
  const id = BINARY_OPS.indexOf(op);
  if (id < 0) throw new Error(`unknown binary op '${op}'`);
  return id;
}

/** Most axes a strided kernel takes (callers coalesce contiguous axes first). */
export const MAX_STRIDED_RANK = 16;

/** An NCHW feature map's sizes, for the SS2D direction gather/merge. */
export interface Ss2dArgs {
  b: number;
  c: number;
  h: number;
  w: number;
}

export interface Kernels {
  readonly name: 'js' | 'native' | 'wasm' | 'webgpu';
  /** Threads the backend uses (1 for js). */
  readonly threads: number;

  matmul(a: Float32Array, b: Float32Array, args: MatmulArgs): Float32Array;

  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, args: Conv2dArgs): Float32Array;
  /** Gradient with respect to the input, shape (n, c, h, w). */
  conv2dBackwardInput(gy: Float32Array, w: Float32Array, args: Conv2dArgs): Float32Array;
  /** Gradient with respect to the weight, shape (o, c/groups, kh, kw). */
  conv2dBackwardWeight(gy: Float32Array, x: Float32Array, args: Conv2dArgs): Float32Array;

  /** Returns y and the per-(n, pixel) mean and 1/std needed by the backward. */
  channelNorm(
    x: Float32Array,
    weight: Float32Array,
    bias: Float32Array | null,
    args: ChannelNormArgs,
  ): { y: Float32Array; mean: Float32Array; rstd: Float32Array };
  channelNormBackward(
    gy: Float32Array,
    x: Float32Array,
    weight: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    args: ChannelNormArgs,
  ): { dx: Float32Array; dweight: Float32Array; dbias: Float32Array };

  /** y (b, K·d, L) and the saved states (b, K·d, ceil(L/chunk), n): h after each chunk's last step. */
  scan(inputs: ScanInputs, args: ScanArgs): { y: Float32Array; states: Float32Array };
  scanBackward(inputs: ScanInputs, states: Float32Array, gy: Float32Array, args: ScanArgs): ScanGrads;

  /** y = act(x) elementwise (softplus: threshold 20; gelu: exact erf). */
  unary(op: UnaryOp, x: Float32Array): Float32Array;
  /** gx = gy · act'(x); y = act(x) when the caller kept it (else null: recomputed where needed). */
  unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array | null, gy: Float32Array): Float32Array;

  /** y (rows, len) = act(a)·b, see GateArgs. */
  gate(op: UnaryOp, a: Float32Array, b: Float32Array, args: GateArgs): Float32Array;
  /** da = gy·b·act'(a), db = gy·act(a), each dense (rows, len). */
  gateBackward(op: UnaryOp, a: Float32Array, b: Float32Array, gy: Float32Array, args: GateArgs): { da: Float32Array; db: Float32Array };
  /** The same gradients packed as one (rows, 2·len) array: row r is [da_r | db_r]. */
  gateBackwardPacked(op: UnaryOp, a: Float32Array, b: Float32Array, gy: Float32Array, args: GateArgs): Float32Array;

  /**
   * SS2D's four scan orders of x (b, c, h, w) as one (b, 4c, h·w) array: [row-major,
   * column-major, reversed row-major, reversed column-major] (direction k holds channels k·c…).
   */
  ss2dGather(x: Float32Array, args: Ss2dArgs): Float32Array;
  /** The adjoint of ss2dGather: sums the four directions of ys (b, 4c, h·w) back to (b, c, h, w). */
  ss2dMerge(ys: Float32Array, args: Ss2dArgs): Float32Array;

  /**
   * out (dense over `shape`) = a ⊙ b elementwise, element (i₀, i₁, …) of a at Σ iₖ·aStrides[k]
   * (of b likewise); a zero stride broadcasts. Strides are ≥ 0; rank ≤ MAX_STRIDED_RANK.
   */
  binary(op: BinaryOp, a: Float32Array, aStrides: readonly number[], b: Float32Array, bStrides: readonly number[], shape: readonly number[]): Float32Array;
  /** The dense copy of the view of src with these strides (any sign) from `offset`; rank ≤ MAX_STRIDED_RANK. */
  gather(src: Float32Array, shape: readonly number[], strides: readonly number[], offset: number): Float32Array;

  /**
   * A new array of `length` elements whose contents are undefined, for a caller that writes
   * every element (with kernels' `into` outputs): the addon hands out reused heap blocks, not
   * zeroed fresh pages, which for a 100 MB buffer saves the time of filling it.
   */
  empty(length: number): Float32Array;
}

/** The kernels every backend implements: the keys of `Kernels` that are functions. */
export type KernelName = Exclude<keyof Kernels, 'name' | 'threads'>;

/**
 * The kernel table: every kernel once, in one place. Backends, the profiler and the native addon
 * are checked against it (test/backend/kernel-table.test.ts), and the type below fails to
 * compile when a kernel is added to `Kernels` but not here. The native addon exports each under
 * the same name, except gateBackwardPacked, which the addon's gateBackward serves.
 */
export const KERNEL_NAMES = [
  'matmul', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'channelNorm', 'channelNormBackward',
  'scan', 'scanBackward', 'unary', 'unaryBackward', 'gate', 'gateBackward', 'gateBackwardPacked',
  'ss2dGather', 'ss2dMerge', 'binary', 'gather', 'empty',
] as const satisfies readonly KernelName[];

type Unlisted = Exclude<KernelName, (typeof KERNEL_NAMES)[number]>;
// a compile error here names a kernel of `Kernels` missing from KERNEL_NAMES
export const KERNEL_TABLE_IS_COMPLETE: [Unlisted] extends [never] ? true : Unlisted = true;

