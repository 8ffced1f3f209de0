// The ops users call (the library's `ops` namespace). Helpers the ops share among themselves
// (convolution plans, scalar activations, the scan's chunk length) are imported from their files.
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './linalg.js';
export { conv2d, avgPool2d, type Conv2dOptions } from './conv.js';
export * from './norm.js';
export { selectiveScan } from './scan.js';
export * from './fused.js';
