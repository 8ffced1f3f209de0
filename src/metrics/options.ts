import type { ChannelOrder } from './color.js';
import { MetricError } from './image.js';

/**
 * Which of the authors' two metric implementations to reproduce.
 *
 * - `'basicsr'` — `metrics/psnr_ssim.py`, used for validation during training: float64,
 *   optional `cropBorder`, PSNR/SSIM peak 1 if the (cropped) first image's max ≤ 1 else 255.
 *   SSIM on Y: 2-D 11×11 Gaussian (σ 1.5) with a replicate border, mean over the whole map.
 *   SSIM on RGB: float32 3-D SSIM with an 11×11×11 Gaussian over (H, W, channel),
 *   replicate padding (so channels are blurred into each other).
 * - `'deraining'` — `Deraining/metrics.py`, the evaluation script behind the paper's
 *   tables: peak always 255; SSIM per channel with a 2-D Gaussian and a reflect-101
 *   border, the map cropped by 5 px, averaged over channels. It has no crop of its own;
 *   `cropBorder` (default 0) is applied to the images first if given.
 */
export type MetricVariant = 'basicsr' | 'deraining';

export interface MetricOptions {
  /** Default 'basicsr'. */
  variant?: MetricVariant;
  /** Evaluate on BT.601 luma (Y of YCbCr) instead of the colour channels. Default false. */
  yChannel?: boolean;
  /** Pixels removed from every side before measuring. Default 0. */
  cropBorder?: number;
  /**
   * Channel order of 3-channel data; only Y depends on it. Default 'rgb' (our images).
   * The authors read with OpenCV (BGR); passing RGB here with 'rgb' gives their numbers.
   */
  channelOrder?: ChannelOrder;
}

export interface ResolvedOptions {
  variant: MetricVariant;
  yChannel: boolean;
  cropBorder: number;
  channelOrder: ChannelOrder;
}

export function resolveOptions(metric: string, o: MetricOptions = {}): ResolvedOptions {
  const variant = o.variant ?? 'basicsr';
  if (variant !== 'basicsr' && variant !== 'deraining') throw new MetricError(metric, `unknown variant '${String(variant)}' (expected 'basicsr' or 'deraining')`);
  const channelOrder = o.channelOrder ?? 'rgb';
  if (channelOrder !== 'rgb' && channelOrder !== 'bgr') throw new MetricError(metric, `unknown channelOrder '${String(channelOrder)}' (expected 'rgb' or 'bgr')`);
  return { variant, yChannel: o.yChannel ?? false, cropBorder: o.cropBorder ?? 0, channelOrder };
}
