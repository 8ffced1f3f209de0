export { psnr, pairwiseSumF32, numpySumF32 } from './psnr.js';
export { ssim, ssimPlane, ssimVolumeF32, type SsimOptions } from './ssim.js';
export { yPlane, type ChannelOrder } from './color.js';
export { gaussian1d, filter2d, filter3dReplicate, type Border } from './gaussian.js';
export { MetricError, type HWCImage, type Planes } from './image.js';
export type { MetricOptions, MetricVariant } from './options.js';
export { meanScores, psnrOfImages, scoreImages, type ImageScores } from './score.js';
