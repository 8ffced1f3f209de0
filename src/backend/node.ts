/**
 * Registers the backends that need Node: the C++ addon (`native`) and the WebAssembly kernels
 * read from disk (`wasm`). The Node entry points (the library's index, the CLI, the bench and
 * the test runner) import this once; the browser entry does not.
 */
import { registerBackend } from './index.js';
import { loadNativeKernels, releaseNativeMemory } from './native/index.js';
import { loadWasmKernelsFromFile } from './wasm/node.js';
import type { WasmKernels } from './wasm/kernels.js';
import { loadWebgpuKernels } from './webgpu/node.js';

registerBackend('native', () => loadNativeKernels(), () => void releaseNativeMemory());
registerBackend('wasm', () => loadWasmKernelsFromFile(), (k) => (k as WasmKernels).releaseMemory());
registerBackend('webgpu', () => loadWebgpuKernels());
