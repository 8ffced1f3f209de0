import type { Kernels } from '../kernels.js';
import { matmul } from './matmul.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv2d.js';
import { channelNorm, channelNormBackward } from './channel-norm.js';
import { scan, scanBackward } from './scan.js';
import { gate, gateBackward, gateBackwardPacked, ss2dGather, ss2dMerge, unary, unaryBackward } from './elementwise.js';
import { binary, gather } from './strided.js';

/** The portable kernels: plain TypeScript, no Node APIs, the reference the native ones are tested against. */
export const jsKernels: Kernels = {
  name: 'js',
  threads: 1,
  matmul,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  channelNorm,
  channelNormBackward,
  scan,
  scanBackward,
  unary,
  unaryBackward,
  gate,
  gateBackward,
  gateBackwardPacked,
  ss2dGather,
  ss2dMerge,
  binary,
  gather,
  empty: (length) => new Float32Array(length),
};
