export * from './restorer.js';
export * from './image.js';
export * from './bundled.js';
export * from './tiles.js';
export { NoiseField } from './noise-field.js';
