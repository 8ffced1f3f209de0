export * from './module.js';
export * from './linear.js';
export * from './conv2d.js';
export * from './layer-norm.js';
export * from './init.js';
