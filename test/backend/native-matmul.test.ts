import { test } from 'node:test';
import { jsKernels } from '../../src/backend/js/index.js';
import type { MatmulArgs } from '../../src/backend/kernels.js';
import { addon, assertClose, compiledSkipReason, forEachCompiled, rand, skipReason } from './native-helpers.js';

function check(args: MatmulArgs, seed: number): void {
  const { batch, m, k, n, strideA, strideB } = args;
  const lenA = strideA === 0 ? m * k : batch * m * k;
  const lenB = strideB === 0 ? k * n : batch * k * n;
  const a = rand(lenA, seed);
  const b = rand(lenB, seed + 1);
  const want = jsKernels.matmul(a, b, args);
  forEachCompiled([1, 2, 3], (k, backend) => {
    assertClose(k.matmul(a, b, args), want, 1e-5, `matmul ${JSON.stringify(args)} ${backend}`);
  });
}

test('compiled (native and wasm) matmul matches js on odd sizes and both transposes', { skip: compiledSkipReason }, () => {
  let seed = 1;
  for (const m of [1, 7, 33, 65])
    for (const k of [1, 7, 33, 300])
      for (const n of [1, 7, 33, 65])
        for (const transA of [false, true])
          for (const transB of [false, true])
            check({ batch: 1, m, k, n, transA, transB, strideA: m * k, strideB: k * n }, seed++);
});

test('compiled (native and wasm) matmul: batches, stride-0 broadcast, large blocked shapes', { skip: compiledSkipReason }, () => {
  check({ batch: 3, m: 13, k: 9, n: 21, transA: false, transB: false, strideA: 0, strideB: 9 * 21 }, 7);
  check({ batch: 3, m: 13, k: 9, n: 21, transA: true, transB: true, strideA: 13 * 9, strideB: 0 }, 8);
  check({ batch: 4, m: 1, k: 1, n: 1, transA: false, transB: false, strideA: 1, strideB: 0 }, 9);
  check({ batch: 1, m: 300, k: 48, n: 192, transA: false, transB: true, strideA: 300 * 48, strideB: 48 * 192 }, 10);
  check({ batch: 2, m: 100, k: 600, n: 1100, transA: false, transB: false, strideA: 0, strideB: 600 * 1100 }, 11);
  check({ batch: 1, m: 0, k: 5, n: 3, transA: false, transB: false, strideA: 0, strideB: 15 }, 12);
  check({ batch: 1, m: 4, k: 0, n: 3, transA: false, transB: false, strideA: 0, strideB: 0 }, 13);
});

test('native matmul rejects arrays shorter than the sizes', { skip: skipReason }, async () => {
  const { throws } = await import('node:assert/strict');
  throws(
    () => addon().matmul(1, new Float32Array(5), new Float32Array(6), 1, 2, 3, 2, false, false, 6, 6, null, false, 4),
    /a has 5 elements, the call needs 6/,
  );
  throws(() => addon().matmul(1, new Float64Array(6) as unknown as Float32Array, new Float32Array(6),
    1, 2, 3, 2, false, false, 6, 6, null, false, 4), /Float32Array/);
  throws(() => addon().matmul(1, new Float32Array(6), new Float32Array(6), 2, 2, 3, 2, false, false, 0, 0, new Float32Array(7), false, 4),
    /into has 7 elements, the call needs 8/);
  throws(() => addon().matmul(1, new Float32Array(6), new Float32Array(6), 1, 2, 3, 2, false, false, 6, 6, null, true, 4), /accumulate needs an into/);
  throws(() => addon().matmul(1, new Float32Array(6), new Float32Array(6), 1, 2, 3, 2, false, false, 6, 6, null, false, 3), /strideC/);
  const shared = new Float32Array(20);
  throws(() => addon().matmul(1, shared.subarray(0, 6), new Float32Array(6), 1, 2, 3, 2, false, false, 6, 6, shared.subarray(4, 8), false, 4), /into must not overlap/);
  throws(() => jsKernels.matmul(shared.subarray(0, 6), new Float32Array(6), { batch: 1, m: 2, k: 3, n: 2, transA: false, transB: false, strideA: 6, strideB: 6, into: shared.subarray(4, 8) }), /into must not overlap/);
  addon().matmul(1, shared.subarray(0, 6), new Float32Array(6), 1, 2, 3, 2, false, false, 6, 6, shared.subarray(6, 10), false, 4); // adjacent is fine
});

test('matmul into an array: at a batch stride, leaving the gaps alone, and accumulating, on every backend', { skip: compiledSkipReason }, () => {
  const args: MatmulArgs = { batch: 3, m: 5, k: 40, n: 7, transA: true, transB: false, strideA: 200, strideB: 280 };
  const a = rand(600, 21);
  const b = rand(840, 22);
  const plain = jsKernels.matmul(a, b, args);
  const strideC = 5 * 7 + 4;
  const start = rand(2 * strideC + 35, 23);
  const want = start.slice();
  for (let bi = 0; bi < 3; bi++) for (let i = 0; i < 35; i++) want[bi * strideC + i] += plain[bi * 35 + i];
  const written = start.slice();
  for (let bi = 0; bi < 3; bi++) written.set(plain.subarray(bi * 35, (bi + 1) * 35), bi * strideC);
  const backends = [{ name: 'js', k: jsKernels }];
  forEachCompiled([2], (k, name) => backends.push({ name, k }));
  for (const { name, k } of backends) {
    const into = start.slice();
    const got = k.matmul(a, b, { ...args, into, accumulate: true, strideC });
    if (got !== into) throw new Error(`${name}: matmul did not return its into array`);
    assertClose(into, want, 1e-5, `${name} accumulate`);
    const over = start.slice();
    k.matmul(a, b, { ...args, into: over, strideC });
    assertClose(over, written, 1e-5, `${name} overwrite`);
  }
});

test('compiled (native and wasm) matmul with k ≤ 4 (rows of B summed, no panels): long rows, batches, both A layouts, into with gaps, accumulate, infinities', { skip: compiledSkipReason }, () => {
  let seed = 40;
  for (const k of [1, 2, 3, 4])
    for (const transA of [false, true]) {
      check({ batch: 2, m: 9, k, n: 5000, transA, transB: false, strideA: 9 * k, strideB: k * 5000 }, seed++);
      check({ batch: 3, m: 2, k, n: 3, transA, transB: false, strideA: 0, strideB: k * 3 }, seed++);
    }
  // an infinity in B's first row reaches only the columns it is in, for every k
  for (const k of [1, 2, 3, 4]) {
    const args: MatmulArgs = { batch: 1, m: 3, k, n: 9, transA: false, transB: false, strideA: 3 * k, strideB: k * 9 };
    const a = rand(3 * k, seed++);
    const b = rand(k * 9, seed++);
    b[4] = Infinity;
    const want = jsKernels.matmul(a, b, args);
    forEachCompiled([1], (kern, backend) => {
      const got = kern.matmul(a, b, args);
      for (let i = 0; i < got.length; i++) {
        if (i % 9 === 4) {
          if (got[i] !== want[i]) throw new Error(`${backend} k ${k}: element ${i} is ${got[i]}, want ${want[i]}`);
        } else if (!Number.isFinite(got[i])) throw new Error(`${backend} k ${k}: element ${i} is ${got[i]}`);
      }
    });
  }
  const args: MatmulArgs = { batch: 3, m: 4, k: 2, n: 3000, transA: true, transB: false, strideA: 8, strideB: 6000 };
  const a = rand(24, seed++);
  const b = rand(18000, seed++);
  const plain = jsKernels.matmul(a, b, args);
  const strideC = 4 * 3000 + 5;
  const start = rand(2 * strideC + 12000, seed);
  const want = start.slice();
  for (let bi = 0; bi < 3; bi++) for (let i = 0; i < 12000; i++) want[bi * strideC + i] += plain[bi * 12000 + i];
  forEachCompiled([1, 2], (kern, backend) => {
    const into = start.slice();
    kern.matmul(a, b, { ...args, into, accumulate: true, strideC });
    assertClose(into, want, 1e-5, `${backend} k 2 accumulate into gaps`);
  });
});

test('compiled (native and wasm) matmul with n ≤ 4 against a transposed B, and m ≤ 4 with a transposed A (the low-rank gradients): long depths, batches, broadcast, accumulate into gaps', { skip: compiledSkipReason }, () => {
  let seed = 70;
  for (const small of [1, 2, 3, 4]) {
    for (const k of [64, 100, 4099]) {
      check({ batch: 3, m: 37, k, n: small, transA: false, transB: true, strideA: 37 * k, strideB: small * k }, seed++);
      check({ batch: 2, m: 5, k, n: small, transA: false, transB: true, strideA: 0, strideB: small * k }, seed++);
    }
    for (const k of [1, 3, 64, 300]) {
      check({ batch: 3, m: small, k, n: 1300, transA: true, transB: false, strideA: small * k, strideB: k * 1300 }, seed++);
      check({ batch: 2, m: small, k, n: 7, transA: true, transB: false, strideA: small * k, strideB: 0 }, seed++);
    }
  }
  const cases: MatmulArgs[] = [
    { batch: 3, m: 20, k: 500, n: 2, transA: false, transB: true, strideA: 20 * 500, strideB: 1000 },
    { batch: 3, m: 2, k: 64, n: 1100, transA: true, transB: false, strideA: 128, strideB: 64 * 1100 },
  ];
  for (const args of cases) {
    const a = rand(args.batch * args.m * args.k, seed++);
    const b = rand(args.batch * args.k * args.n, seed++);
    const plain = jsKernels.matmul(a, b, args);
    const mn = args.m * args.n;
    const strideC = mn + 3;
    const start = rand(2 * strideC + mn, seed++);
    const want = start.slice();
    for (let bi = 0; bi < 3; bi++) for (let i = 0; i < mn; i++) want[bi * strideC + i] += plain[bi * mn + i];
    forEachCompiled([1, 2], (kern, backend) => {
      const into = start.slice();
      kern.matmul(a, b, { ...args, into, accumulate: true, strideC });
      assertClose(into, want, 1e-4, `${backend} ${JSON.stringify(args)} accumulate into gaps`);
      const over = start.slice();
      kern.matmul(a, b, { ...args, into: over, strideC });
      for (let bi = 0; bi < 3; bi++)
        for (let i = 0; i < mn; i++)
          if (Math.abs(over[bi * strideC + i] - plain[bi * mn + i]) > 1e-4 * (1 + Math.abs(plain[bi * mn + i])))
            throw new Error(`${backend} ${JSON.stringify(args)}: element ${bi}/${i} is ${over[bi * strideC + i]}, want ${plain[bi * mn + i]}`);
      for (let bi = 0; bi < 2; bi++)
        for (let g = mn; g < strideC; g++)
          if (over[bi * strideC + g] !== start[bi * strideC + g]) throw new Error(`${backend}: the gap after batch ${bi} was written`);
    });
  }
});
