export type { Param } from './param.js';
export { Adam, AdamW } from './adam.js';
import { Adam, AdamW } from './adam.js';

/** The optimisers of option files (`train.optim_g.type`), by name. */
export const OPTIMIZERS = { Adam, AdamW } as const;
export type OptimizerType = keyof typeof OPTIMIZERS;
export type { AdamOptions, AdamParamState, AdamState, HasParamGroups, Optimizer, ParamGroup, ParamGroupInit } from './adam.js';
export { clipGradNorm } from './clip.js';
