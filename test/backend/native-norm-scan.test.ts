import { test } from 'node:test';
import { jsKernels } from '../../src/backend/js/index.js';
import { createNativeKernels } from '../../src/backend/native/index.js';
import type { ChannelNormArgs, ScanArgs, ScanInputs } from '../../src/backend/kernels.js';
import { addon, assertClose, forEachIsa, rand, skipReason } from './native-helpers.js';

function checkNorm(a: ChannelNormArgs, seed: number, withBias: boolean): void {
  const len = a.n * a.c * a.hw;
  const x = rand(len, seed, -2, 3);
  const w = rand(a.c, seed + 1, 0.5, 1.5);
  const bias = withBias ? rand(a.c, seed + 2) : null;
  const gy = rand(len, seed + 3);
  const f = jsKernels.channelNorm(x, w, bias, a);
  const b = jsKernels.channelNormBackward(gy, x, w, f.mean, f.rstd, a);
  forEachIsa((isa) => {
    for (const threads of [1, 2, 3]) {
      const k = createNativeKernels(addon(), threads);
      const what = `${JSON.stringify(a)} ${isa} threads=${threads}`;
      const g = k.channelNorm(x, w, bias, a);
      assertClose(g.y, f.y, 1e-5, `channelNorm y ${what}`);
      assertClose(g.mean, f.mean, 1e-5, `channelNorm mean ${what}`);
      assertClose(g.rstd, f.rstd, 1e-5, `channelNorm rstd ${what}`);
      const gb = k.channelNormBackward(gy, x, w, f.mean, f.rstd, a);
      assertClose(gb.dx, b.dx, 1e-5, `channelNormBackward dx ${what}`);
      assertClose(gb.dweight, b.dweight, 1e-5, `channelNormBackward dweight ${what}`);
      assertClose(gb.dbias, b.dbias, 1e-5, `channelNormBackward dbias ${what}`);
    }
  });
}

test('native channelNorm matches js (WithBias and BiasFree)', { skip: skipReason }, () => {
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

function checkScan(a: ScanArgs, seed: number): void {
  const inp = scanInputs(a, seed);
  const f = jsKernels.scan(inp, a);
  const gy = rand(f.y.length, seed + 9);
  const g = jsKernels.scanBackward(inp, f.states, gy, a);
  forEachIsa((isa) => {
    for (const threads of [1, 2, 3]) {
      const k = createNativeKernels(addon(), threads);
      const what = `${JSON.stringify(a)} ${isa} threads=${threads}`;
      const r = k.scan(inp, a);
      assertClose(r.y, f.y, 1e-4, `scan y ${what}`);
      assertClose(r.states, f.states, 1e-4, `scan states ${what}`);
      const rb = k.scanBackward(inp, f.states, gy, a);
      for (const key of ['du', 'ddelta', 'dA', 'dB', 'dC', 'dD', 'dDeltaBias'] as const) {
        assertClose(rb[key], g[key], 1e-4, `scanBackward ${key} ${what}`);
      }
    }
  });
}

test('native scan forward and backward match js', { skip: skipReason }, () => {
  let seed = 1;
  checkScan({ b: 1, groups: 1, d: 1, n: 1, L: 1, chunk: 1 }, seed++);
  checkScan({ b: 1, groups: 2, d: 3, n: 32, L: 50, chunk: 16 }, seed++);
  checkScan({ b: 2, groups: 4, d: 5, n: 16, L: 37, chunk: 8 }, seed++);
  checkScan({ b: 1, groups: 1, d: 4, n: 5, L: 23, chunk: 4 }, seed++);
  checkScan({ b: 1, groups: 2, d: 2, n: 8, L: 700, chunk: 64 }, seed++);
  checkScan({ b: 1, groups: 1, d: 3, n: 32, L: 1100, chunk: 100 }, seed++);
  checkScan({ b: 1, groups: 1, d: 2, n: 13, L: 9, chunk: 32 }, seed++);
  checkScan({ b: 1, groups: 3, d: 2, n: 64, L: 33, chunk: 7 }, seed++);
  checkScan({ b: 1, groups: 2, d: 2, n: 48, L: 40, chunk: 16 }, seed++);
});
