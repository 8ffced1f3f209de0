import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/backend/js/index.js';
import { createNativeKernels } from '../../src/backend/native/index.js';
import type { ChannelNormArgs, Kernels, ScanArgs, ScanInputs } from '../../src/backend/kernels.js';
import { addon, assertClose, compiledSkipReason, forEachCompiled, rand, skipReason, webgpuOtherScan, webgpuOrReason } from './native-helpers.js';
import { webgpuKernelsWith, type WebgpuKernels } from '../../src/backend/webgpu/kernels.js';

function checkNorm(a: ChannelNormArgs, seed: number, withBias: boolean): void {
  const len = a.n * a.c * a.hw;
  const x = rand(len, seed, -2, 3);
  const w = rand(a.c, seed + 1, 0.5, 1.5);
  const bias = withBias ? rand(a.c, seed + 2) : null;
  const gy = rand(len, seed + 3);
  const f = jsKernels.channelNorm(x, w, bias, a);
  const b = jsKernels.channelNormBackward(gy, x, w, f.mean, f.rstd, a);
  forEachCompiled([1, 2, 3], (k, backend) => {
    const what = `${JSON.stringify(a)} ${backend}`;
    const g = k.channelNorm(x, w, bias, a);
    assertClose(g.y, f.y, 1e-5, `channelNorm y ${what}`);
    assertClose(g.mean, f.mean, 1e-5, `channelNorm mean ${what}`);
    assertClose(g.rstd, f.rstd, 1e-5, `channelNorm rstd ${what}`);
    const gb = k.channelNormBackward(gy, x, w, f.mean, f.rstd, a);
    assertClose(gb.dx, b.dx, 1e-5, `channelNormBackward dx ${what}`);
    assertClose(gb.dweight, b.dweight, 1e-5, `channelNormBackward dweight ${what}`);
    assertClose(gb.dbias, b.dbias, 1e-5, `channelNormBackward dbias ${what}`);
  });
}

test('compiled (native and wasm) channelNorm matches js (WithBias and BiasFree)', { skip: compiledSkipReason }, () => {
  let seed = 1;
  for (const subtractMean of [true, false])
    for (const [n, c, hw] of [[1, 1, 1], [2, 3, 7], [1, 96, 300], [3, 5, 513], [1, 7, 1]])
      checkNorm({ n, c, hw, eps: 1e-5, subtractMean }, seed++, subtractMean);
});

function scanInputs(a: ScanArgs, seed: number): ScanInputs {
  const ch = a.groups * a.d;
  const rows = a.b * ch * a.L;
  const delta = rand(rows, seed + 1, -4, 2);
  for (let i = 0; i < rows; i += 7) delta[i] = 20 + (i % 5); // beyond the softplus threshold
  delta[3] = 19.999;
  const A = rand(ch * a.n, seed + 2, -3, -0.05);
  return {
    u: rand(rows, seed),
    delta,
    A,
    B: rand(a.b * a.groups * a.n * a.L, seed + 3),
    C: rand(a.b * a.groups * a.n * a.L, seed + 4),
    D: rand(ch, seed + 5),
    deltaBias: rand(ch, seed + 6, -1, 1),
  };
}

/** The chunk-parallel backward with a scratch so small that its chunks run one or two per slice. */
const webgpuSlicedScan: WebgpuKernels | null =
  typeof webgpuOrReason === 'string' ? null : webgpuKernelsWith(webgpuOrReason as WebgpuKernels, { parallelScan: true, scanBackwardScratch: 2000 });

function checkScan(a: ScanArgs, seed: number): void {
  const inp = scanInputs(a, seed);
  const f = jsKernels.scan(inp, a);
  const gy = rand(f.y.length, seed + 9);
  const g = jsKernels.scanBackward(inp, f.states, gy, a);
  forEachCompiled([1, 2, 3], (k, backend) => {
    const what = `${JSON.stringify(a)} ${backend}`;
    const r = k.scan(inp, a);
    assertClose(r.y, f.y, 1e-4, `scan y ${what}`);
    assertClose(r.states, f.states, 1e-4, `scan states ${what}`);
    checkScanBackward(k.scanBackward(inp, f.states, gy, a), g, what);
  });
  if (webgpuOtherScan) {
    const r = webgpuOtherScan.scan(inp, a);
    const what = `${JSON.stringify(a)} webgpu parallelScan=${webgpuOtherScan.parallelScan}`;
    assertClose(r.y, f.y, 1e-4, `scan y ${what}`);
    assertClose(r.states, f.states, 1e-4, `scan states ${what}`);
    checkScanBackward(webgpuOtherScan.scanBackward(inp, f.states, gy, a), g, what);
  }
  if (webgpuSlicedScan) {
    const what = `${JSON.stringify(a)} webgpu parallel backward in slices of ${webgpuSlicedScan.scanBackwardScratch} floats`;
    checkScanBackward(webgpuSlicedScan.scanBackward(inp, f.states, gy, a), g, what);
  }
}

function checkScanBackward(got: ReturnType<Kernels['scanBackward']>, want: ReturnType<Kernels['scanBackward']>, what: string): void {
  for (const key of ['du', 'ddelta', 'dA', 'dB', 'dC', 'dD', 'dDeltaBias'] as const) {
    assert.equal(got[key].length, want[key].length, `scanBackward ${key} length ${what}`);
    assertClose(got[key], want[key], 1e-4, `scanBackward ${key} ${what}`);
  }
}

test('compiled (native and wasm) scan forward and backward match js', { skip: compiledSkipReason }, () => {
  let seed = 1;
  checkScan({ b: 1, groups: 1, d: 1, n: 1, L: 1, chunk: 1 }, seed++);
  checkScan({ b: 1, groups: 2, d: 3, n: 32, L: 50, chunk: 16 }, seed++);
  checkScan({ b: 2, groups: 4, d: 5, n: 16, L: 37, chunk: 8 }, seed++);
  checkScan({ b: 1, groups: 1, d: 4, n: 5, L: 23, chunk: 4 }, seed++);
  checkScan({ b: 1, groups: 2, d: 2, n: 8, L: 700, chunk: 64 }, seed++);
  checkScan({ b: 1, groups: 1, d: 3, n: 32, L: 1100, chunk: 100 }, seed++);
  checkScan({ b: 1, groups: 1, d: 2, n: 13, L: 9, chunk: 32 }, seed++);
  checkScan({ b: 1, groups: 3, d: 2, n: 64, L: 33, chunk: 7 }, seed++);
  checkScan({ b: 1, groups: 2, d: 2, n: 48, L: 40, chunk: 16 }, seed);
});

test('scan reads B and C in place at a group stride (bcStride) and returns packed dB / dC, on both backends', { skip: skipReason }, () => {
  const a: ScanArgs = { b: 2, groups: 3, d: 2, n: 16, L: 29, chunk: 8 };
  const packed = scanInputs(a, 40);
  const blocks = a.b * a.groups;
  const block = a.n * a.L;
  const stride = block * 3 + 5;
  // B and C interleaved in one wide array, as in the x-projection, with filler that must not be read
  const wide = rand(blocks * stride, 41, 50, 60);
  for (let g = 0; g < blocks; g++) {
    wide.set(packed.B.subarray(g * block, (g + 1) * block), g * stride + 7);
    wide.set(packed.C.subarray(g * block, (g + 1) * block), g * stride + 7 + block);
  }
  const strided = { ...packed, B: wide.subarray(7), C: wide.subarray(7 + block) };
  const sa = { ...a, bcStride: stride };
  const want = jsKernels.scan(packed, a);
  const gy = rand(want.y.length, 42);
  const wantGrads = jsKernels.scanBackward(packed, want.states, gy, a);
  const backends: Kernels[] = [jsKernels];
  forEachCompiled([2], (k) => backends.push(k));
  for (const k of backends) {
    const got = k.scan(strided, sa);
    assertClose(got.y, want.y, 1e-5, `${k.name} y`);
    const grads = k.scanBackward(strided, got.states, gy, sa);
    for (const key of ['du', 'ddelta', 'dA', 'dB', 'dC', 'dD', 'dDeltaBias'] as const) {
      assert.equal(grads[key].length, wantGrads[key].length, `${k.name} ${key} is packed`);
      assertClose(grads[key], wantGrads[key], 1e-4, `${k.name} ${key}`);
    }
  }
  const native = createNativeKernels(addon(), 1);
  assert.throws(() => native.scan({ ...strided, B: wide.subarray(wide.length - ((blocks - 1) * stride + block) + 1) }, sa), /B/, 'a B too short for the stride is refused');
  assert.throws(() => native.scan(packed, { ...a, bcStride: block - 1 }), /bcStride/, 'a stride shorter than a block is refused');
});
