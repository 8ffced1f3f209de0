import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BINARY_OPS, KERNEL_NAMES, UNARY_OPS, type Kernels } from '../../src/backend/kernels.js';
import { jsKernels } from '../../src/backend/js/index.js';
import { createNativeKernels } from '../../src/backend/native/index.js';
import { profileKernels } from '../../src/backend/profile.js';
import { repoRoot } from '../helpers/shared.js';
import { addon, skipReason, wasmOrReason, webgpuOrReason } from './native-helpers.js';
import { wasmModulePath } from '../../src/backend/wasm/node.js';

const functionKeys = (k: Kernels) => Object.keys(k).filter((key) => typeof (k as unknown as Record<string, unknown>)[key] === 'function').sort();
const table = [...KERNEL_NAMES].sort();

test('every backend and the profiler implement exactly the kernel table', () => {
  assert.deepEqual(functionKeys(jsKernels), table, 'js backend');
  assert.deepEqual(functionKeys(profileKernels(jsKernels).kernels), table, 'profiler');
});

test('the native backend implements the kernel table, and the addon exports a function for each kernel', { skip: skipReason }, () => {
  assert.deepEqual(functionKeys(createNativeKernels(addon(), 1)), table, 'native backend');
  const exported = addon() as unknown as Record<string, unknown>;
  const servedBy: Record<string, string> = { gateBackwardPacked: 'gateBackward' };
  for (const name of KERNEL_NAMES) assert.equal(typeof exported[servedBy[name] ?? name], 'function', `addon export for ${name}`);
});

test('the wasm backend implements the kernel table over a module that exports each kernel', { skip: typeof wasmOrReason === 'string' ? wasmOrReason : false }, () => {
  const k = wasmOrReason as Kernels;
  const own = ['poisonOutputs', 'releaseMemory'];
  assert.deepEqual(functionKeys(k).filter((key) => !own.includes(key)), table, 'wasm backend');
  const exported = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasmModulePath()))).map((e) => e.name);
  const cName = (name: string) => `dm_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
  // wasm's own: gateBackwardPacked is gateBackward at packed strides; empty is JavaScript memory
  const servedBy: Record<string, string | null> = { gateBackwardPacked: 'dm_gate_backward', empty: null, ss2dGather: 'dm_ss2d_gather', ss2dMerge: 'dm_ss2d_merge' };
  for (const name of KERNEL_NAMES) {
    const c = name in servedBy ? servedBy[name] : cName(name);
    if (c) assert.ok(exported.includes(c), `the module exports ${c} for ${name}`);
  }
});

// CI installs a Vulkan loader and SwiftShader and sets DIFF_MAMBA_REQUIRE_WEBGPU: there a missing adapter fails
const webgpuRequired = process.env.DIFF_MAMBA_REQUIRE_WEBGPU === '1';
const webgpuSkip = typeof webgpuOrReason === 'string' && !webgpuRequired ? webgpuOrReason : false;

test('the webgpu backend implements the kernel table on an adapter', { skip: webgpuSkip }, () => {
  if (typeof webgpuOrReason === 'string') assert.fail(`DIFF_MAMBA_REQUIRE_WEBGPU=1 but webgpu is unavailable: ${webgpuOrReason}`);
  assert.deepEqual(functionKeys(webgpuOrReason), table, 'webgpu backend');
  assert.equal(webgpuOrReason.name, 'webgpu');
});

/** The names of a C++ `enum : int { kA = 0, kB = 1, … }` in a native source, in value order. */
function nativeEnum(file: string, first: string): string[] {
  const src = readFileSync(`${repoRoot()}/native/${file}`, 'utf8');
  const m = new RegExp(`enum : int \\{ (${first} = 0[^}]*)\\}`).exec(src);
  assert.ok(m, `an enum starting with ${first} in native/${file}`);
  const entries = m[1].split(',').map((e) => e.trim()).filter(Boolean).map((e) => {
    const [name, value] = e.split('=').map((x) => x.trim());
    return { name, value: Number(value) };
  });
  entries.forEach((e, i) => assert.equal(e.value, i, `${e.name} = ${i} in native/${file}`));
  return entries.map((e) => e.name.slice(1).toLowerCase());
}

test('the op ids the addon switches on are the positions in UNARY_OPS and BINARY_OPS', () => {
  assert.deepEqual(nativeEnum('elementwise_impl.inc', 'kExp'), [...UNARY_OPS]);
  assert.deepEqual(nativeEnum('strided_impl.inc', 'kAdd'), [...BINARY_OPS]);
});
