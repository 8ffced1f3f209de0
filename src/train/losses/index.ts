export * from './l1.js';
export * from './mse.js';
export * from './ms-ssim.js';
export * from './stages.js';
