import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/backend/js/index.js';
import { bf16Unavailable, createNativeKernels, precisionFromEnv, setNativePrecision } from '../../src/backend/native/index.js';
import type { Conv2dArgs, MatmulArgs } from '../../src/backend/kernels.js';
import { addon, rand, skipReason } from './native-helpers.js';

/** Whether this CPU runs the bf16 products (the test then checks them, else the error that says why not). */
function bf16Supported(): boolean {
  return bf16Unavailable(addon()) === null;
}

const abs = (x: Float32Array) => x.map(Math.abs);

/**
 * Fails unless every element is within the rounding of both operands to bfloat16 (8 significant
 * bits: a relative 2^-9 each, so 2^-8 per product) of the exact sums, bounded by the same sums
 * over |a|·|b| (`bound`), plus fp32 summation; and unless some element differs from fp32 (the
 * bf16 path ran).
 */
function assertBf16(got: Float32Array, want: Float32Array, bound: Float32Array, fp32: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  let differs = false;
  for (let i = 0; i < want.length; i++) {
    const tol = (2 ** -8 + 1e-5) * bound[i] + 1e-6;
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol)) throw new Error(`${what}: element ${i} is ${got[i]}, want ${want[i]} (|diff| ${d} > ${tol})`);
    if (got[i] !== fp32[i]) differs = true;
  }
  assert.ok(differs, `${what}: bf16 gave the fp32 result everywhere`);
}

/** Runs fn with the addon in bf16, and fp32 again after. */
function inBf16<T>(fn: () => T): T {
  setNativePrecision(addon(), 'bf16');
  try {
    return fn();
  } finally {
    setNativePrecision(addon(), 'fp32');
  }
}

test('precision: bad values and a CPU without AVX512_BF16 are one-line errors', { skip: skipReason }, () => {
  assert.throws(() => setNativePrecision(addon(), 'fp16' as 'bf16'), /precision must be one of fp32, bf16, got 'fp16'/);
  const saved = process.env.DIFF_MAMBA_PRECISION;
  try {
    process.env.DIFF_MAMBA_PRECISION = 'half';
    assert.throws(() => precisionFromEnv(), /DIFF_MAMBA_PRECISION must be one of fp32, bf16, got 'half'/);
    process.env.DIFF_MAMBA_PRECISION = '';
    assert.equal(precisionFromEnv(), 'fp32');
  } finally {
    if (saved === undefined) delete process.env.DIFF_MAMBA_PRECISION;
    else process.env.DIFF_MAMBA_PRECISION = saved;
  }
  if (!bf16Supported()) assert.throws(() => setNativePrecision(addon(), 'bf16'), /needs a CPU with AVX512_BF16/);
  assert.equal(addon().precision?.() ?? 'fp32', 'fp32');
});

test('bf16 matrix products: within bf16 rounding of the exact sums, every blocked shape and transpose', { skip: skipReason || (!bf16Supported() && 'this CPU has no AVX512_BF16') }, () => {
  const k = createNativeKernels(addon(), 2);
  let seed = 1;
  const shapes: [number, number, number, number][] = [[1, 64, 300, 96], [2, 13, 9, 21], [1, 100, 600, 1100], [3, 37, 255, 65], [1, 12, 1, 32]];
  for (const [batch, m, kk, n] of shapes)
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        const args: MatmulArgs = { batch, m, k: kk, n, transA, transB, strideA: m * kk, strideB: kk * n };
        const a = rand(batch * m * kk, seed++);
        const b = rand(batch * kk * n, seed++);
        const want = jsKernels.matmul(a, b, args);
        const bound = jsKernels.matmul(abs(a), abs(b), args);
        const fp32 = k.matmul(a, b, args);
        const got = inBf16(() => k.matmul(a, b, args));
        if (m * n * kk >= 4096) assertBf16(got, want, bound, fp32, `matmul ${JSON.stringify(args)}`);
        // back in fp32, the addon gives its fp32 result again
        assert.deepEqual(k.matmul(a, b, args), fp32);
      }
});

test('bf16 convolutions (forward, both gradients): within bf16 rounding of the exact sums', { skip: skipReason || (!bf16Supported() && 'this CPU has no AVX512_BF16') }, () => {
  const k = createNativeKernels(addon(), 2);
  const shapes: Conv2dArgs[] = [
    { n: 2, c: 16, h: 20, w: 33, o: 24, kh: 3, kw: 3, padH: 1, padW: 1, groups: 1, oh: 20, ow: 33 },
    { n: 1, c: 48, h: 16, w: 16, o: 96, kh: 1, kw: 1, padH: 0, padW: 0, groups: 1, oh: 16, ow: 16 },
  ];
  let seed = 100;
  for (const a of shapes) {
    const x = rand(a.n * a.c * a.h * a.w, seed++);
    const w = rand(a.o * a.c * a.kh * a.kw, seed++);
    const gy = rand(a.n * a.o * a.oh * a.ow, seed++);
    const what = JSON.stringify(a);
    const pairs: [string, () => Float32Array, () => Float32Array, () => Float32Array][] = [
      ['conv2d', () => k.conv2d(x, w, null, a), () => jsKernels.conv2d(x, w, null, a), () => jsKernels.conv2d(abs(x), abs(w), null, a)],
      ['conv2dBackwardInput', () => k.conv2dBackwardInput(gy, w, a), () => jsKernels.conv2dBackwardInput(gy, w, a), () => jsKernels.conv2dBackwardInput(abs(gy), abs(w), a)],
      ['conv2dBackwardWeight', () => k.conv2dBackwardWeight(gy, x, a), () => jsKernels.conv2dBackwardWeight(gy, x, a), () => jsKernels.conv2dBackwardWeight(abs(gy), abs(x), a)],
    ];
    for (const [name, native, exact, bound] of pairs) assertBf16(inBf16(native), exact(), bound(), native(), `${name} ${what}`);
  }
});
