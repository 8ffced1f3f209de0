import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { kernels } from '../../backend/index.js';
import type { Conv2dArgs } from '../../backend/kernels.js';
import { mean } from './reduce.js';
import { reshape, slice } from './movement.js';
import { sumRange } from './strided.js';

export interface Conv2dOptions {
  /** Zero padding: one number for both axes or [padH, padW]. */
  padding?: number | readonly [number, number];
  groups?: number;
}

/** A checked stride-1 convolution over raw data: its output shape and forward / backward closures. */
export interface ConvPlan {
  shape: number[];
  /** [weight] or [weight, bias]: the parameters after x in the op's inputs. */
  params: Tensor[];
  forward(x: Float32Array): Float32Array;
  /** [gx, gw] or [gx, gw, gb] (as params) for output gradient g and input data x. */
  backward(g: Float32Array, x: Float32Array, needX: boolean): (Float32Array | null)[];
}

/** Checks a convolution of an input of `xShape` (errors name `op`) and returns its plan. */
export function planConv2d(op: string, xShape: readonly number[], weight: Tensor, bias: Tensor | null, opts: Conv2dOptions = {}): ConvPlan {
  if (xShape.length !== 4 || weight.ndim !== 4) throw new TensorError(op, 'input must be NCHW and weight OIHW', [xShape, weight.shape]);
  const [n, c, h, w] = xShape;
  const [o, ci, kh, kw] = weight.shape;
  const groups = opts.groups ?? 1;
  const [padH, padW] = typeof opts.padding === 'number' || opts.padding === undefined ? [opts.padding ?? 0, opts.padding ?? 0] : opts.padding;
  if (!Number.isInteger(groups) || groups < 1 || c % groups || o % groups) {
    throw new TensorError(op, `groups ${groups} must divide input channels ${c} and output channels ${o}`, [xShape, weight.shape]);
  }
  if (ci !== c / groups) throw new TensorError(op, `weight expects ${ci * groups} input channels, input has ${c}`, [xShape, weight.shape]);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) throw new TensorError(op, `bias must have ${o} elements`, [bias.shape]);
  const oh = h + 2 * padH - kh + 1;
  const ow = w + 2 * padW - kw + 1;
  if (oh <= 0 || ow <= 0) throw new TensorError(op, 'kernel larger than the padded input', [xShape, weight.shape]);
  const args: Conv2dArgs = { n, c, h, w, o, kh, kw, padH, padW, groups, oh, ow };
  const kern = kernels();
  return {
    shape: [n, o, oh, ow],
    params: bias ? [weight, bias] : [weight],
    forward: (x) => kern.conv2d(x, weight.data, bias ? bias.data : null, args),
    backward: (g, x, needX) => {
      const gx = needX ? kern.conv2dBackwardInput(g, weight.data, args) : null;
      const gw = weight.requiresGrad ? kern.conv2dBackwardWeight(g, x, args) : null;
      if (!bias) return [gx, gw];
      return [gx, gw, bias.requiresGrad ? conv2dBiasGrad(g, n, o, oh * ow) : null];
    },
  };
}

/** 2-D cross-correlation with stride 1, NCHW input and OIHW weight, as torch's conv2d. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  const p = planConv2d('conv2d', x.shape, weight, bias, opts);
  return result('conv2d', p.forward(x.data), p.shape, [x, ...p.params], (g) => p.backward(g, x.data, x.requiresGrad));
}

/** The bias gradient of a convolution: the output gradient summed over batch and pixels, per channel. */
export function conv2dBiasGrad(g: Float32Array, n: number, o: number, hw: number): Float32Array {
  const gb = new Float32Array(o);
  for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) gb[oc] += sumRange(g, (b * o + oc) * hw, hw);
  return gb;
}

/** 2×2 average pooling with stride 2 (odd trailing rows/columns dropped, as PyTorch's floor mode). */
export function avgPool2d(x: Tensor): Tensor {
  if (x.ndim !== 4) throw new TensorError('avgPool2d', 'expects NCHW', [x.shape]);
  const [n, c, h, w] = x.shape;
  if (h < 2 || w < 2) throw new TensorError('avgPool2d', 'height and width must be at least 2', [x.shape]);
  let t = x;
  if (h % 2) t = slice(t, 2, 0, h - 1);
  if (w % 2) t = slice(t, 3, 0, w - 1);
  const h2 = Math.floor(h / 2);
  const w2 = Math.floor(w / 2);
  return reshape(mean(reshape(t, [n, c, h2, 2, w2, 2]), [3, 5]), [n, c, h2, w2]);
}
