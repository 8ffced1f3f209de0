import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/backend/js/index.js';
import { createNativeKernels } from '../../src/backend/native/index.js';
import { BINARY_OPS } from '../../src/backend/kernels.js';
import { addon, compiledSkipReason, forEachCompiled, rand, skipReason } from './native-helpers.js';

function assertSame(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Object.is(got[i], want[i]) || got[i] === want[i])) assert.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]}`);
  }
}

/** Dense strides of shape. */
const dense = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

test('compiled (native and wasm) binary ops match js exactly: same shapes, row and scalar broadcasts, strided views', { skip: compiledSkipReason }, () => {
  const cases: { shape: number[]; sa: number[]; sb: number[] }[] = [
    { shape: [1], sa: [1], sb: [1] },
    { shape: [70001], sa: [1], sb: [1] },
    { shape: [70001], sa: [1], sb: [0] },
    { shape: [70001], sa: [2], sb: [1] }, // a strided long row, split over the threads
    { shape: [33], sa: [0], sb: [1] },
    { shape: [6, 4099], sa: [4099, 1], sb: [1, 0] }, // (N·C, H·W) + (N·C, 1)
    { shape: [3, 5, 7], sa: [35, 7, 1], sb: [0, 7, 1] }, // broadcast over the first axis
    { shape: [4, 9], sa: [1, 4], sb: [9, 1] }, // a transposed
    { shape: [0, 5], sa: [5, 1], sb: [5, 1] },
  ];
  let seed = 1;
  for (const c of cases) {
    const need = (s: number[]) => (c.shape.some((d) => d === 0) ? 0 : 1 + c.shape.reduce((a, d, i) => a + (d - 1) * s[i], 0));
    const a = rand(need(c.sa), seed++);
    const b = rand(need(c.sb), seed++, 0.5, 2);
    for (const op of BINARY_OPS) {
      const want = jsKernels.binary(op, a, c.sa, b, c.sb, c.shape);
      forEachCompiled([1, 3], (k, backend) => {
        assertSame(k.binary(op, a, c.sa, b, c.sb, c.shape), want, `${op} ${JSON.stringify(c)} ${backend}`);
      });
    }
  }
});

test('compiled (native and wasm) gather matches js exactly: permutes, pixel shuffle, flips with negative strides, offsets', { skip: compiledSkipReason }, () => {
  const seed = 10;
  const src = rand(2 * 12 * 6 * 10, seed);
  const shuffleIn = [2, 3, 2, 2, 6, 10]; // (n, c, r, r, h, w) viewed as (n, c, h, r, w, r)
  const s = dense(shuffleIn);
  const cases: { shape: number[]; strides: number[]; offset: number }[] = [
    { shape: [2, 3, 6, 2, 10, 2], strides: [s[0], s[1], s[4], s[2], s[5], s[3]], offset: 0 },
    { shape: [1440], strides: [1], offset: 0 },
    { shape: [1440], strides: [-1], offset: 1439 },
    { shape: [24, 60], strides: [1, 24], offset: 0 },
    { shape: [12, 10], strides: [-60, 1], offset: 1380 },
    { shape: [5], strides: [3], offset: 7 },
    { shape: [], strides: [], offset: 4 },
  ];
  for (const c of cases) {
    const want = jsKernels.gather(src, c.shape, c.strides, c.offset);
    forEachCompiled([1, 2], (k, backend) => {
      assertSame(k.gather(src, c.shape, c.strides, c.offset), want, `gather ${JSON.stringify(c)} ${backend}`);
    });
  }
});

test('native strided kernels refuse views that reach outside their arrays', { skip: skipReason }, () => {
  const k = createNativeKernels(addon(), 1);
  const a = new Float32Array(10);
  assert.throws(() => k.binary('add', a, [1], a, [1], [11]), /a has 10 elements, the call needs 11/);
  assert.throws(() => k.binary('add', a, [2], a, [0], [6]), /a has 10 elements/);
  assert.throws(() => k.gather(a, [3], [-1], 1), /starts before the array/);
  assert.throws(() => k.gather(a, [4], [4], 0), /src has 10 elements, the call needs 13/);
  assert.throws(() => k.gather(a, new Array(17).fill(1), new Array(17).fill(1), 0), /more than 16 axes/);
});
