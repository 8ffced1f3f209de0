import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { createNativeKernels } from '../../src/backend/native/index.js';
import { addon, rand, skipReason } from './native-helpers.js';

function threadCount(): number {
  const m = /Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

test('20,000 small native calls keep memory and threads flat', { skip: skipReason }, () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const k = createNativeKernels(addon(), 2);
  const a = rand(64 * 32, 1);
  const b = rand(32 * 48, 2);
  const args = { batch: 1, m: 64, k: 32, n: 48, transA: false, transB: false, strideA: 0, strideB: 0 };
  const x = rand(2 * 8 * 100, 3);
  const w = rand(8, 4);
  const norm = { n: 2, c: 8, hw: 100, eps: 1e-5, subtractMean: true };
  let bytesPerRound = 0;
  const run = (times: number) => {
    bytesPerRound = 0;
    for (let i = 0; i < times; i++) {
      const y = k.matmul(a, b, args);
      const n = k.channelNorm(x, w, null, norm);
      bytesPerRound += y.byteLength + n.y.byteLength + n.mean.byteLength + n.rstd.byteLength;
    }
  };
  const settledRss = () => {
    gc();
    return process.memoryUsage().rss;
  };
  // Allocator arenas and GC timing move RSS by tens of MiB on their own, so the
  // check compares against what leaking every result would cost, after warm-up.
  run(10000);
  const rss0 = settledRss();
  const threads0 = threadCount();
  run(10000);
  run(10000);
  const grown = settledRss() - rss0;
  const leakedIfAll = 2 * bytesPerRound;
  const mib = (v: number) => (v / 2 ** 20).toFixed(1);
  assert.ok(
    grown < leakedIfAll / 4,
    `rss grew by ${mib(grown)} MiB over 20,000 calls (leaking every result would be ${mib(leakedIfAll)} MiB)`,
  );
  assert.equal(threadCount(), threads0, 'the pool must not start threads per call');
});

test('node exits cleanly after threaded native kernels', { skip: skipReason }, () => {
  const mod = fileURLToPath(new URL('../../src/backend/native/index.js', import.meta.url));
  const script = `
    const { loadNativeKernels } = await import(${JSON.stringify(mod)});
    const k = loadNativeKernels(2);
    const a = new Float32Array(256 * 256).fill(1);
    const args = { batch: 1, m: 256, k: 256, n: 256, transA: false, transB: false, strideA: 0, strideB: 0 };
    for (let i = 0; i < 20; i++) k.matmul(a, a, args);
    console.log('done');`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(res.status, 0, `child failed: ${res.stderr}`);
  assert.match(res.stdout, /done/);
});
