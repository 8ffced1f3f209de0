export { createWasmKernels, type WasmKernels } from './kernels.js';
export { compileWasmKernels, useWasmKernels, type WasmSource } from './load.js';
