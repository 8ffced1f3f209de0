export { createWasmKernels, type WasmKernels } from './kernels.js';
export { compileWasmKernels, useWasmKernels, type WasmSource, type WasmThreadOptions } from './load.js';
