export type { Param } from './param.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions, AdamParamState, AdamState, HasParamGroups, Optimizer, ParamGroup, ParamGroupInit } from './adam.js';
export { clipGradNorm } from './clip.js';
