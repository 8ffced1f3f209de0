import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../io/package-root.js';
import { createWasmKernels, type WasmKernels } from './kernels.js';

/** The kernels' WebAssembly module in the package (built by scripts/build-wasm.mjs, shipped). */
export function wasmModulePath(): string {
  return join(packageRoot(), 'native', 'diffmamba_kernels.wasm');
}

/** The wasm kernels from the module on disk (compiled synchronously), or why they cannot load. */
export function loadWasmKernelsFromFile(path: string = wasmModulePath()): WasmKernels | string {
  if (!existsSync(path)) return `the WebAssembly kernels are missing (${path}; build them with \`node scripts/build-wasm.mjs\`)`;
  try {
    return createWasmKernels(new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path))));
  } catch (e) {
    return `the WebAssembly kernels at ${path} failed to load: ${(e as Error).message}`;
  }
}
