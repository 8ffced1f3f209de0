/**
 * diff-mamba: Diff-Mamba image restoration in TypeScript.
 * The layers, from the bottom: tensor engine → nn → model → diffusion → train / restore.
 */
export { Tensor, noGrad, isGradEnabled } from './tensor/tensor.js';
export { TensorError } from './tensor/errors.js';
export { Rng } from './tensor/random.js';
export * as ops from './tensor/ops/index.js';
import './backend/node.js';
export { kernels, useBackend, nativeKernels, backendKernels, registerBackend, releaseKernelMemory, BACKEND_NAMES, type BackendName } from './backend/index.js';
export { releaseNativeMemory, type NativeMemoryRelease } from './backend/native/index.js';
export { createWasmKernels, compileWasmKernels, useWasmKernels, type WasmKernels, type WasmSource, type WasmThreadOptions } from './backend/wasm/index.js';
export type { Kernels } from './backend/kernels.js';

export { Module, StateDictError, ModelDisposedError, Linear, Conv2d, LayerNorm, ChannelLayerNorm } from './nn/index.js';
export { DFT, SS2D, DTB, FeedForward, timestepEmbedding, DEFAULT_DFT_CONFIG, resolveDFTConfig, inferDFTConfig, loadModelFromBytes, modelFromStateDict, ConfigError } from './model/index.js';
export type { DFTConfig, LoadedModel, LoadModelOptions } from './model/index.js';
export { loadModel, saveModel, saveModelPth, type SaveModelOptions } from './model/checkpoint.js';
export type { LoadReport } from './nn/index.js';

export { NoiseSchedule, betaSchedule, alphasCumprod } from './diffusion/schedule.js';
export { ddimTimesteps, antitheticTimesteps } from './diffusion/timesteps.js';
export { ddimSample, ddimSteps, restoreWithDdim, restoreWithDdimAsync, dataTransform, inverseDataTransform } from './diffusion/ddim.js';
export { noisePredictor } from './diffusion/predictor.js';
export type { NoisePredictor, DdimOptions, DdimAsyncOptions, DdimPause, DdimResult } from './diffusion/ddim.js';

export { coarseLoss, fineLoss, msSsim, l1Loss } from './train/losses/index.js';
export { Trainer } from './train/trainer.js';
export type { TrainerHooks, IterationInfo, TrainResult } from './train/trainer.js';
export { loadOptions, parseOptions, checkOptionPaths, OptionsError } from './train/options.js';
export { TrainingError, TrainingStateError } from './train/state.js';
export type { TrainOptions, ParseOptionsOptions } from './train/options.js';

export { restoreImage } from './restore/image.js';
export { restorePlanar, restoreTile, resolveRestoreOptions, RESTORE_DEFAULTS, RestoreAbortedError } from './restore/restorer.js';
export type { RestoreOptions, RestoreProgress, ResolvedRestoreOptions, TileRunner } from './restore/restorer.js';
export { yieldToEventLoop } from './restore/yield.js';
export type { Planar } from './io/planar.js';
export { bundledModelPath, TASKS, type Task } from './restore/bundled.js';

export { readImage, writeImage, toUint8HWC, ImageIOError } from './io/image.js';
export { OutputExistsError } from './io/output-exists.js';
export { NonFiniteError } from './model/checkpoint.js';
export { CheckpointError } from './io/state-dict.js';
export type { FloatImage, ReadImage, ReadImageOptions, WriteImageOptions, ImageFormat } from './io/image.js';
export { readSafetensors, parseSafetensors, serializeSafetensors, SafetensorsError } from './io/safetensors.js';
export { loadStateDict } from './io/state-dict.js';
export { psnr, ssim } from './metrics/index.js';
export type { MetricOptions, MetricVariant, SsimOptions } from './metrics/index.js';
export { gaussianNoise, motionBlur, rainStreaks, makePairs } from './degrade/index.js';
export type { GaussianNoiseOptions, MotionBlurOptions, RainOptions, MakePairsOptions } from './degrade/index.js';
export { blindDegrade, makePresetPairs, presetMix, FAMILIES, PRESETS, type BlindOptions, type Family, type Preset } from './degrade/index.js';
