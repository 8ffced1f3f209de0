/** Every shader of the webgpu backend, by the key its passes name. */
import { conv2dBackwardInputBlockedShader, conv2dBackwardWeightBlockedShader, conv2dBlockedShader } from './conv-blocked.js';
import { conv2dBackwardInputShader, conv2dBackwardWeightShader, conv2dShader } from './conv.js';
import { gateBackwardShader, gateShader, ss2dGatherShader, ss2dMergeShader, unaryBackwardShader, unaryShader } from './elementwise.js';
import { matmulShader } from './matmul.js';
import { channelNormBackwardShader, channelNormShader, channelNormWeightShader } from './norm.js';
import {
  scanBackChunkChannelShader, scanBackChunkCarryShader, scanBackChunkLocalShader, scanBackChunkStateShader,
  scanBackwardChannelShader, scanBackwardReduceShader, scanBackwardStateShader, scanChunkCarryShader, scanChunkLocalShader, scanChunkOutputShader, scanShader,
} from './scan.js';
import { binaryShader, gatherShader } from './strided.js';

export const SHADERS: Record<string, string> = {
  matmul: matmulShader,
  conv2d: conv2dShader,
  conv2dBackwardInput: conv2dBackwardInputShader,
  conv2dBackwardWeight: conv2dBackwardWeightShader,
  conv2dBlocked: conv2dBlockedShader,
  conv2dBackwardInputBlocked: conv2dBackwardInputBlockedShader,
  conv2dBackwardWeightBlocked: conv2dBackwardWeightBlockedShader,
  channelNorm: channelNormShader,
  channelNormBackward: channelNormBackwardShader,
  channelNormWeight: channelNormWeightShader,
  scan: scanShader,
  scanChunkLocal: scanChunkLocalShader,
  scanChunkCarry: scanChunkCarryShader,
  scanChunkOutput: scanChunkOutputShader,
  scanBackwardChannel: scanBackwardChannelShader,
  scanBackwardState: scanBackwardStateShader,
  scanBackwardReduce: scanBackwardReduceShader,
  scanBackChunkLocal: scanBackChunkLocalShader,
  scanBackChunkCarry: scanBackChunkCarryShader,
  scanBackChunkChannel: scanBackChunkChannelShader,
  scanBackChunkState: scanBackChunkStateShader,
  unary: unaryShader,
  unaryBackward: unaryBackwardShader,
  gate: gateShader,
  gateBackward: gateBackwardShader,
  ss2dGather: ss2dGatherShader,
  ss2dMerge: ss2dMergeShader,
  binary: binaryShader,
  gather: gatherShader,
};
