export * from './family.js';
export * from './noise.js';
export * from './rain.js';
export * from './blur.js';
export * from './families.js';
export * from './pipeline.js';
export * from './pairs.js';
