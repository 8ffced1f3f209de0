import { test } from 'node:test';
import { jsKernels } from '../../src/backend/js/index.js';
import { UNARY_OPS, type GateArgs } from '../../src/backend/kernels.js';
import { addon, assertClose, compiledSkipReason, forEachCompiled, rand, skipReason } from './native-helpers.js';

/** Inputs that cover both sides of zero, large magnitudes and softplus's threshold. */
function inputs(len: number, seed: number): Float32Array {
  const x = rand(len, seed, -6, 6);
  const special = [0, -0, 19.999, 20, 20.001, 25, -25, 40, -40, 1e-4, -1e-4];
  for (let i = 0; i < special.length && i < len; i++) x[(i * 7) % len] = special[i];
  return x;
}

test('compiled (native and wasm) unary activations match js (forward and backward, odd sizes)', { skip: compiledSkipReason }, () => {
  let seed = 1;
  for (const len of [1, 7, 8, 9, 33, 1001, 70001]) {
    const x = inputs(len, seed++);
    const gy = rand(len, seed++);
    for (const op of UNARY_OPS) {
      const want = jsKernels.unary(op, x);
      const wantG = jsKernels.unaryBackward(op, x, want, gy);
      const wantG2 = jsKernels.unaryBackward(op, x, null, gy);
      forEachCompiled([1, 3], (k, backend) => {
        const what = `${op} len=${len} ${backend}`;
        // exp reaches e^6 ≈ 403: tolerance relative to the data's scale
        assertClose(k.unary(op, x), want, 2e-6, `unary ${what}`);
        assertClose(k.unaryBackward(op, x, want, gy), wantG, 2e-6, `unaryBackward ${what}`);
        assertClose(k.unaryBackward(op, x, null, gy), wantG2, 2e-6, `unaryBackward (no y) ${what}`);
      });
    }
  }
});

test('compiled (native and wasm) gates act(a)·b match js (strided rows, packed backward)', { skip: compiledSkipReason }, () => {
  let seed = 100;
  const shapes: [number, number][] = [[1, 1], [1, 13], [3, 9], [2, 40000], [5, 1031]];
  for (const [rows, len] of shapes) {
    for (const op of ['silu', 'gelu', 'sigmoid'] as const) {
      // a and b interleaved in one (rows, 2·len) buffer, as the FFN's chunk
      const x = inputs(rows * 2 * len, seed++);
      const gy = rand(rows * len, seed++);
      const split: GateArgs = { rows, len, strideA: 2 * len, strideB: 2 * len };
      const b = x.subarray(len);
      const want = jsKernels.gate(op, x, b, split);
      const wantG = jsKernels.gateBackward(op, x, b, gy, split);
      const wantP = jsKernels.gateBackwardPacked(op, x, b, gy, split);
      // dense same-shape form
      const a2 = inputs(rows * len, seed++);
      const b2 = rand(rows * len, seed++);
      const dense: GateArgs = { rows: 1, len: rows * len, strideA: rows * len, strideB: rows * len };
      const want2 = jsKernels.gate(op, a2, b2, dense);
      const wantG2 = jsKernels.gateBackward(op, a2, b2, gy, dense);
      forEachCompiled([1, 2, 3], (k, backend) => {
        const what = `${op} ${rows}×${len} ${backend}`;
        assertClose(k.gate(op, x, b, split), want, 2e-6, `gate ${what}`);
        const g = k.gateBackward(op, x, b, gy, split);
        assertClose(g.da, wantG.da, 2e-6, `gateBackward da ${what}`);
        assertClose(g.db, wantG.db, 2e-6, `gateBackward db ${what}`);
        assertClose(k.gateBackwardPacked(op, x, b, gy, split), wantP, 2e-6, `gateBackwardPacked ${what}`);
        assertClose(k.gate(op, a2, b2, dense), want2, 2e-6, `gate dense ${what}`);
        const g2 = k.gateBackward(op, a2, b2, gy, dense);
        assertClose(g2.da, wantG2.da, 2e-6, `gateBackward dense da ${what}`);
        assertClose(g2.db, wantG2.db, 2e-6, `gateBackward dense db ${what}`);
      });
    }
  }
});

test('compiled (native and wasm) ss2dGather / ss2dMerge match js (non-square, odd sizes) and are exact', { skip: compiledSkipReason }, () => {
  let seed = 200;
  for (const [b, c, h, w] of [[1, 1, 1, 1], [1, 2, 3, 5], [2, 3, 7, 4], [1, 5, 33, 17], [2, 64, 40, 40]]) {
    const x = rand(b * c * h * w, seed++);
    const ys = rand(4 * b * c * h * w, seed++);
    const args = { b, c, h, w };
    const wantG = jsKernels.ss2dGather(x, args);
    const wantM = jsKernels.ss2dMerge(ys, args);
    forEachCompiled([1, 3], (k, backend) => {
      const what = `${b}×${c}×${h}×${w} ${backend}`;
      assertClose(k.ss2dGather(x, args), wantG, 0, `ss2dGather ${what}`);
      assertClose(k.ss2dMerge(ys, args), wantM, 1e-6, `ss2dMerge ${what}`);
    });
  }
});

test('native elementwise kernels reject short arrays', { skip: skipReason }, () => {
  const a = addon();
  const short = new Float32Array(3);
  const expectThrow = (fn: () => unknown, what: string) => {
    let threw = false;
    try {
      fn();
    } catch {
      threw = true;
    }
    if (!threw) throw new Error(`${what} did not throw`);
  };
  expectThrow(() => a.gate(1, 3, short, short, 2, 3, 3, 3), 'gate with short b');
  expectThrow(() => a.ss2dGather(1, short, 1, 1, 2, 2), 'ss2dGather with a short x');
  expectThrow(() => a.ss2dMerge(1, new Float32Array(4), 1, 1, 2, 2), 'ss2dMerge with short ys');
  expectThrow(() => a.unary(1, 9, short), 'unary with an unknown op');
});
