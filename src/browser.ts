/**
 * diff-mamba for the browser (and any JavaScript runtime without Node's modules): the engine,
 * the network, the sampler and restoration over images in memory. Nothing here touches files:
 * models arrive as bytes (`loadModelFromBytes`), images as pixels (`fromHWC`), and the
 * kernels as a WebAssembly module (`useWasmKernels`) or on the page's GPU (`useWebgpuKernels`). The Node entry (index.ts) adds files,
 * image codecs, the C++ addon, training and the CLI.
 */
export { Tensor, noGrad, isGradEnabled } from './tensor/tensor.js';
export { TensorError } from './tensor/errors.js';
export { Rng } from './tensor/random.js';
export * as ops from './tensor/ops/index.js';
export { kernels, useBackend, backendKernels, registerBackend, releaseKernelMemory, BACKEND_NAMES, type BackendName, type BackendLoader } from './backend/index.js';
export type { Kernels } from './backend/kernels.js';
export { createWasmKernels, compileWasmKernels, useWasmKernels, type WasmKernels, type WasmSource, type WasmThreadOptions } from './backend/wasm/index.js';
export { serveWebgpuDevice, useWebgpuKernels, type DeviceWorkerScope } from './backend/webgpu/browser.js';
export type { WebgpuKernels } from './backend/webgpu/kernels.js';

export { Module, StateDictError, ModelDisposedError } from './nn/index.js';
export { DFT, DEFAULT_DFT_CONFIG, resolveDFTConfig, inferDFTConfig, loadModelFromBytes, modelFromStateDict, NonFiniteError, ConfigError } from './model/index.js';
export type { DFTConfig, LoadedModel, LoadModelOptions } from './model/index.js';

export { NoiseSchedule } from './diffusion/schedule.js';
export { restoreWithDdim, restoreWithDdimAsync } from './diffusion/ddim.js';

export { restorePlanar, restoreTile, resolveRestoreOptions, RESTORE_DEFAULTS, RestoreAbortedError } from './restore/restorer.js';
export type { RestoreOptions, RestoreProgress, ResolvedRestoreOptions, TileRunner } from './restore/restorer.js';
export { yieldToEventLoop } from './restore/yield.js';
export { makePlanar, type Planar } from './io/planar.js';
export { toUint8HWC, fromHWC } from './io/pixels.js';
export { parseSafetensors, serializeSafetensors, SafetensorsError } from './io/safetensors-format.js';
export { psnr, ssim } from './metrics/index.js';
