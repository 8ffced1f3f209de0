import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jsKernels } from '../../src/backend/index.js';
import type { ScanArgs } from '../../src/backend/kernels.js';
import { loadWasmKernelsFromFile } from '../../src/backend/wasm/node.js';
import { assertClose, rand, wasmOrReason, wasmThreadsOrReason } from './native-helpers.js';

const skip = typeof wasmThreadsOrReason === 'string' ? `wasm threads build unavailable: ${wasmThreadsOrReason}` : false;

test('the wasm threads build runs on three threads once its workers park, and equals the one-thread build', { skip }, () => {
  const k = wasmThreadsOrReason;
  if (typeof k === 'string' || typeof wasmOrReason === 'string') throw new Error('unavailable');
  assert.equal(k.threads, 3, 'two workers parked beside the caller');
  // large enough that every kernel splits its work across the threads
  const a: ScanArgs = { b: 2, groups: 4, d: 6, n: 16, L: 3000, chunk: 64 };
  const ch = a.groups * a.d;
  const inp = {
    u: rand(a.b * ch * a.L, 1), delta: rand(a.b * ch * a.L, 2, -3, 1), A: rand(ch * a.n, 3, -2, -0.1),
    B: rand(a.b * a.groups * a.n * a.L, 4), C: rand(a.b * a.groups * a.n * a.L, 5), D: rand(ch, 6), deltaBias: rand(ch, 7, -4, -2),
  };
  const want = jsKernels.scan(inp, a);
  const one = wasmOrReason.scan(inp, a);
  const three = k.scan(inp, a);
  assertClose(three.y, want.y, 1e-5, 'scan y against js');
  assert.deepEqual(three.y, one.y, 'scan y equals the one-thread build bit for bit');
  const gy = rand(want.y.length, 8);
  const g1 = wasmOrReason.scanBackward(inp, one.states, gy, a);
  const g3 = k.scanBackward(inp, three.states, gy, a);
  for (const key of ['du', 'ddelta', 'dB', 'dC'] as const) assertClose(g3[key], g1[key], 1e-5, `scan ${key}`);
  const conv = { n: 2, c: 24, h: 40, w: 36, o: 20, kh: 3, kw: 3, padH: 1, padW: 1, groups: 1, oh: 40, ow: 36 };
  const x = rand(2 * 24 * 40 * 36, 9), w = rand(20 * 24 * 9, 10), bias = rand(20, 11);
  assertClose(k.conv2d(x, w, bias, conv), jsKernels.conv2d(x, w, bias, conv), 1e-5, 'conv2d');
  const gyc = rand(2 * 20 * 40 * 36, 12);
  assertClose(k.conv2dBackwardWeight(gyc, x, conv), wasmOrReason.conv2dBackwardWeight(gyc, x, conv), 1e-5, 'conv2d weight gradient');
});

test('a process whose wasm kernels run on workers exits by itself when its work is done', { skip }, () => {
  const node = pathToFileURL(fileURLToPath(new URL('../../src/backend/wasm/node.js', import.meta.url))).href;
  const script = `
    const { loadWasmKernelsFromFile } = await import(${JSON.stringify(node)});
    const k = loadWasmKernelsFromFile(undefined, 2);
    if (typeof k === 'string') throw new Error(k);
    const t = await k.ready;
    const y = k.unary('silu', new Float32Array(300000).fill(1));
    console.log(t, y[7].toFixed(4));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `exit status ${r.status} (${r.signal ?? ''}): ${r.stderr}`);
  assert.equal(r.stdout.trim(), '2 0.7311');
});

test('asking the wasm backend for one thread loads the one-thread build', () => {
  const k = loadWasmKernelsFromFile(undefined, 1);
  if (typeof k === 'string') return;
  assert.equal(k.threads, 1);
});

test('a trap in the wasm threads build fails its call and leaves the kernels working (no hang)', { skip }, async () => {
  const { readFileSync } = await import('node:fs');
  const { newSharedWasmMemory, startThreadedWasmKernels } = await import('../../src/backend/wasm/threads.js');
  const { spawnNodeWasmWorker, wasmThreadsModulePath } = await import('../../src/backend/wasm/node.js');
  const module = new WebAssembly.Module(readFileSync(wasmThreadsModulePath()));
  const memory = newSharedWasmMemory();
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const k = startThreadedWasmKernels(module, memory, instance, 3, spawnNodeWasmWorker);
  assert.equal(await k.ready, 3);
  const unary = instance.exports.dm_unary as (op: number, x: number, y: number, len: number) => void;
  // every share of this call reads and writes far past the memory: the caller's and the workers'
  assert.throws(() => unary(0, 0xf000_0000, 0xf000_0000, 3_000_000), WebAssembly.RuntimeError);
  const x = rand(300_001, 20);
  assertClose(k.unary('silu', x), jsKernels.unary('silu', x), 1e-6, 'silu after a trap');
  assertClose(k.unary('silu', x), jsKernels.unary('silu', x), 1e-6, 'silu again');
});
