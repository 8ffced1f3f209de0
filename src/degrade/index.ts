export { gaussianNoise, type GaussianNoiseOptions } from './noise.js';
export { lineKernel, motionBlur, motionKernel, type MotionBlurOptions } from './blur.js';
export { rainLayer, rainStreaks, type RainOptions, type RainParams } from './rain.js';
export { degrade, makePairs, type DegradationSpec, type MakePairsOptions, type MakePairsResult } from './pairs.js';
export { convolve, DegradeError, type ChwImage, type Kernel, type Param } from './common.js';
