/**
 * diff-mamba: Diff-Mamba image restoration in TypeScript.
 * The layers, from the bottom: tensor engine → nn → model → diffusion → train / restore.
 */
export { Tensor, noGrad, isGradEnabled } from './tensor/tensor.js';
export { TensorError } from './tensor/errors.js';
export { Rng } from './tensor/random.js';
export * as ops from './tensor/ops/index.js';
export { kernels, useBackend, nativeKernels } from './backend/index.js';
export type { Kernels } from './backend/kernels.js';

export { Module, StateDictError, Linear, Conv2d, LayerNorm, ChannelLayerNorm } from './nn/index.js';
export { DFT, SS2D, DTB, FeedForward, timestepEmbedding, DEFAULT_DFT_CONFIG, resolveDFTConfig, loadModel, saveModel, inferDFTConfig } from './model/index.js';
export type { DFTConfig, LoadedModel } from './model/index.js';

export { NoiseSchedule, betaSchedule, alphasCumprod } from './diffusion/schedule.js';
export { ddimTimesteps, antitheticTimesteps } from './diffusion/timesteps.js';
export { ddimSample, dataTransform, inverseDataTransform } from './diffusion/ddim.js';

export { coarseLoss, fineLoss, msSsim, l1Loss } from './train/losses/index.js';
export { Trainer } from './train/trainer.js';
export { loadOptions, parseOptions } from './train/options.js';

export { restoreImage } from './restore/image.js';
export { restorePlanar, RestoreAbortedError, type RestoreOptions } from './restore/restorer.js';
export { bundledModelPath, TASKS, type Task } from './restore/bundled.js';

export { readImage, writeImage, toUint8HWC, type FloatImage } from './io/image.js';
export { readSafetensors, parseSafetensors, serializeSafetensors } from './io/safetensors.js';
export { loadStateDict } from './io/state-dict.js';
export { psnr, ssim } from './metrics/index.js';
export { gaussianNoise, motionBlur, rainStreaks, makePairs } from './degrade/index.js';
export { blindDegrade, makePresetPairs, presetMix, FAMILIES, PRESETS, type BlindOptions, type Family, type Preset } from './degrade/index.js';
