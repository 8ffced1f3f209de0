export * from './image.js';
export * from './augment.js';
export * from './progressive.js';
export * from './sampler.js';
export * from './paired-folder.js';
export { readImageSize } from './image-size.js';
export * from './clean-folder.js';
export * from './gaussian-noise.js';
export * from './motion-blur.js';
