import type { WasmKernelExports } from './exports.js';

/** An array a kernel reads: copied into the heap before the call (null: a null pointer). */
export type WasmInput = Float32Array | Int32Array | null;

/** An output: its length in floats (returned as a new array), or the array it is copied into (returned as is). */
export type WasmOutput = number | Float32Array;

/**
 * The WebAssembly module's linear memory, as one kernel call uses it: every input and output
 * of the call in one 64-byte aligned block, inputs copied in, outputs copied out, the block
 * freed. The copies cost a few percent of a convolution; they keep every array the engine
 * holds in ordinary JavaScript memory, owned by the garbage collector like the other backends'.
 */
export class WasmHeap {
  private f32: Float32Array;
  private i32: Int32Array;
  /** Fill every output with NaN before the kernel runs (tests: catches unwritten elements). */
  poisonOutputs = false;
  /** Called before each kernel call (the threads build turns its workers on there once they are parked). */
  beforeCall: (() => void) | null = null;
  /** Called after each kernel call (the threads build reports a worker's trap there). */
  afterCall: (() => void) | null = null;

  constructor(readonly ex: WasmKernelExports) {
    this.f32 = new Float32Array(ex.memory.buffer);
    this.i32 = new Int32Array(ex.memory.buffer);
  }

  /** Views of the memory as it is now (a call that grows it detaches the old ones). */
  private views(): { f32: Float32Array; i32: Int32Array } {
    if (this.f32.buffer !== this.ex.memory.buffer) {
      this.f32 = new Float32Array(this.ex.memory.buffer);
      this.i32 = new Int32Array(this.ex.memory.buffer);
    }
    return { f32: this.f32, i32: this.i32 };
  }

  /**
   * Runs one kernel call: `call` gets the byte addresses of the inputs (0 for null) and of the
   * outputs (`outputs` gives their lengths in floats, or the arrays to fill, which the kernel
   * must write whole); returns the outputs. The inputs listed in `writeBack` are arrays the
   * kernel updates: copied back after the call.
   */
  run(inputs: readonly WasmInput[], outputs: readonly WasmOutput[], call: (ins: number[], outs: number[]) => void, writeBack: readonly number[] = []): Float32Array[] {
    const lengths = outputs.map((o) => (typeof o === 'number' ? o : o.length));
    const sizes = [...inputs.map((a) => (a ? a.length : 0)), ...lengths];
    const offsets: number[] = [];
    let total = 0;
    for (const n of sizes) {
      offsets.push(total);
      total += Math.ceil((n * 4) / 64) * 64;
    }
    if (total > 0xffff_0000) throw new Error(`a wasm kernel call needs ${(total / 2 ** 30).toFixed(1)} GB at once; WebAssembly memory holds 4 GB`);
    this.beforeCall?.();
    const base = this.ex.dm_alloc(Math.max(total, 64));
    if (base === 0) throw new Error(`the WebAssembly heap cannot grow by ${(total / 2 ** 20).toFixed(0)} MB (it holds 4 GB at most, and the browser may allow less)`);
    try {
      const { f32, i32 } = this.views();
      const ins = inputs.map((a, i) => {
        if (!a) return 0;
        const at = base + offsets[i];
        if (a instanceof Int32Array) i32.set(a, at >> 2);
        else f32.set(a, at >> 2);
        return at;
      });
      const outs = outputs.map((_, j) => base + offsets[inputs.length + j]);
      if (this.poisonOutputs) lengths.forEach((n, j) => f32.fill(NaN, outs[j] >> 2, (outs[j] >> 2) + n));
      call(ins, outs);
      this.afterCall?.();
      const after = this.views().f32;
      for (const i of writeBack) {
        const a = inputs[i];
        if (a instanceof Float32Array) a.set(after.subarray(ins[i] >> 2, (ins[i] >> 2) + a.length));
      }
      return outputs.map((o, j) => {
        const at = outs[j] >> 2;
        if (typeof o === 'number') return after.slice(at, at + o);
        o.set(after.subarray(at, at + o.length));
        return o;
      });
    } finally {
      this.ex.dm_free(base);
    }
  }
}
