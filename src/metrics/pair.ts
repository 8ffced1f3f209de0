import { yPlane } from './color.js';
import { checkPair, cropToPlanes, type HWCImage, type Planes } from './image.js';
import { resolveOptions, type MetricOptions, type ResolvedOptions } from './options.js';

/** What PSNR and SSIM both start from: the options resolved, the pair checked, cropped and, with `yChannel`, reduced to luma. */
export function preparePair(metric: string, a: HWCImage, b: HWCImage, options?: MetricOptions): { o: ResolvedOptions; pa: Planes; pb: Planes } {
  const o = resolveOptions(metric, options);
  checkPair(metric, a, b, o.cropBorder);
  const pa = cropToPlanes(a, o.cropBorder);
  const pb = cropToPlanes(b, o.cropBorder);
  return o.yChannel ? { o, pa: yPlane(pa, o.channelOrder), pb: yPlane(pb, o.channelOrder) } : { o, pa, pb };
}
