export * from './config.js';
export * from './timestep.js';
export * from './ss2d.js';
export * from './ffn.js';
export * from './dtb.js';
export * from './dft.js';
export * from './weights.js';
