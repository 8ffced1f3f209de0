import { registerBackend, useBackend } from '../index.js';
import { createWasmKernels, type WasmKernels } from './kernels.js';

/** Where the kernels' module comes from: its address, its bytes, a fetch response or a compiled module. */
export type WasmSource = string | URL | ArrayBuffer | Uint8Array<ArrayBuffer> | Response | WebAssembly.Module;

/** Compiles and instantiates the kernels' module (asynchronously, as browsers require for large modules). */
export async function compileWasmKernels(source: WasmSource): Promise<WasmKernels> {
  let module: WebAssembly.Module;
  if (source instanceof WebAssembly.Module) module = source;
  else if (typeof source === 'string' || source instanceof URL) module = await compileResponse(await fetch(source));
  else if (typeof Response !== 'undefined' && source instanceof Response) module = await compileResponse(source);
  else module = await WebAssembly.compile(source as ArrayBuffer | Uint8Array<ArrayBuffer>);
  return createWasmKernels(await WebAssembly.instantiate(module));
}

async function compileResponse(r: Response): Promise<WebAssembly.Module> {
  if (!r.ok) throw new Error(`cannot load the WebAssembly kernels from ${r.url || 'the response'}: HTTP ${r.status}`);
  return WebAssembly.compile(await r.arrayBuffer());
}

/** Compiles the kernels' module, registers it as the `wasm` backend and makes it the one in use. */
export async function useWasmKernels(source: WasmSource): Promise<WasmKernels> {
  const k = await compileWasmKernels(source);
  registerBackend('wasm', () => k, () => k.releaseMemory());
  useBackend('wasm');
  return k;
}
