import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/backend/js/index.js';
import { createNativeKernels } from '../../src/backend/native/index.js';
import type { Conv2dArgs } from '../../src/backend/kernels.js';
import { addon, assertClose, compiledSkipReason, forEachCompiled, forEachIsa, rand, skipReason } from './native-helpers.js';

function shape(n: number, c: number, h: number, w: number, o: number, kh: number, kw: number,
  padH: number, padW: number, groups: number): Conv2dArgs {
  return { n, c, h, w, o, kh, kw, padH, padW, groups, oh: h + 2 * padH - kh + 1, ow: w + 2 * padW - kw + 1 };
}

function check(a: Conv2dArgs, seed: number, withBias = true): void {
  const x = rand(a.n * a.c * a.h * a.w, seed);
  const w = rand(a.o * (a.c / a.groups) * a.kh * a.kw, seed + 1);
  const bias = withBias ? rand(a.o, seed + 2) : null;
  const gy = rand(a.n * a.o * a.oh * a.ow, seed + 3);
  const y = jsKernels.conv2d(x, w, bias, a);
  const gx = jsKernels.conv2dBackwardInput(gy, w, a);
  const gw = jsKernels.conv2dBackwardWeight(gy, x, a);
  forEachCompiled([1, 2, 3], (k, backend) => {
    const what = `${JSON.stringify(a)} ${backend}`;
    assertClose(k.conv2d(x, w, bias, a), y, 1e-5, `conv2d ${what}`);
    assertClose(k.conv2dBackwardInput(gy, w, a), gx, 1e-5, `conv2dBackwardInput ${what}`);
    assertClose(k.conv2dBackwardWeight(gy, x, a), gw, 1e-5, `conv2dBackwardWeight ${what}`);
  });
}

test('compiled (native and wasm) conv2d (groups 1): kernels 1×1 / 3×3 / rectangular, padding 0 / 1 / 2', { skip: compiledSkipReason }, () => {
  let seed = 1;
  for (const [kh, kw] of [[1, 1], [3, 3], [1, 3], [3, 2], [5, 5]])
    for (const pad of [0, 1, 2]) {
      if (kh + 2 * pad - 1 > 7 + 2 * pad - 1) continue;
      check(shape(2, 5, 7, 9, 6, kh, kw, pad, pad, 1), seed++);
    }
  check(shape(1, 3, 1, 1, 2, 1, 1, 0, 0, 1), seed++);
  check(shape(1, 1, 1, 1, 1, 3, 3, 1, 1, 1), seed++, false);
  check(shape(1, 4, 5, 17, 7, 3, 3, 0, 1, 1), seed++, false);
  check(shape(2, 3, 20, 33, 19, 3, 3, 1, 1, 1), seed++);
  check(shape(1, 48, 16, 16, 48, 3, 3, 1, 1, 1), seed++);
  check(shape(1, 48, 16, 16, 254, 1, 1, 0, 0, 1), seed++);
  check(shape(3, 6, 5, 11, 37, 1, 1, 0, 0, 1), seed, false);
});

test('compiled (native and wasm) conv2d: groups 2 and depthwise', { skip: compiledSkipReason }, () => {
  let seed = 100;
  check(shape(2, 4, 6, 7, 6, 3, 3, 1, 1, 2), seed++);
  check(shape(1, 6, 5, 5, 4, 1, 1, 0, 0, 2), seed++, false);
  check(shape(1, 6, 9, 8, 6, 3, 1, 2, 0, 2), seed++);
  for (const pad of [0, 1, 2]) check(shape(2, 5, 7, 9, 5, 3, 3, pad, pad, 5), seed++);
  check(shape(1, 3, 6, 5, 3, 2, 3, 0, 2, 3), seed++, false);
  check(shape(1, 8, 1, 1, 8, 1, 1, 0, 0, 8), seed++);
  check(shape(1, 254, 12, 12, 254, 3, 3, 1, 1, 254), seed++);
  check(shape(1, 4, 5, 5, 8, 3, 3, 1, 1, 4), seed); // channel multiplier 2
});

test('compiled (native and wasm) depthwise conv2d on rows wider than its vector blocks, other kernel sizes and wide padding', { skip: compiledSkipReason }, () => {
  let seed = 150;
  check(shape(2, 3, 9, 70, 3, 3, 3, 1, 1, 3), seed++);
  check(shape(1, 2, 40, 37, 2, 11, 11, 5, 5, 2), seed++);
  check(shape(1, 2, 12, 45, 2, 2, 3, 0, 0, 2), seed++, false);
  check(shape(1, 3, 16, 33, 3, 4, 4, 0, 0, 3), seed++);
  check(shape(1, 2, 6, 41, 2, 3, 3, 3, 3, 2), seed++); // padding wider than the kernel
  check(shape(1, 2, 7, 64, 2, 5, 3, 2, 1, 2), seed);
});

test('native conv2d weight gradient over many pixels (k split into chunks): matches TS, and is bit-identical for any thread count', { skip: skipReason }, () => {
  let seed = 200;
  // images × pixels = 4,800 and 9,800: two and more k chunks of the split product
  const cases = [shape(3, 6, 40, 40, 5, 3, 3, 1, 1, 1), shape(2, 8, 70, 70, 6, 1, 1, 0, 0, 2)];
  for (const a of cases) {
    check(a, seed);
    const x = rand(a.n * a.c * a.h * a.w, seed + 1);
    const gy = rand(a.n * a.o * a.oh * a.ow, seed + 2);
    forEachIsa((isa) => {
      const one = createNativeKernels(addon(), 1).conv2dBackwardWeight(gy, x, a);
      for (const threads of [2, 3]) {
        const gw = createNativeKernels(addon(), threads).conv2dBackwardWeight(gy, x, a);
        assert.ok(Buffer.from(gw.buffer, gw.byteOffset, gw.byteLength).equals(Buffer.from(one.buffer, one.byteOffset, one.byteLength)),
          `conv2dBackwardWeight ${JSON.stringify(a)} ${isa}: ${threads} threads differ from 1`);
      }
    });
    seed += 10;
  }
});
