export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './linalg.js';
export * from './conv.js';
export * from './norm.js';
export * from './scan.js';
export * from './fused.js';
