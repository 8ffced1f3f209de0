import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import * as F from '../tensor/ops/index.js';
import { Module } from './module.js';
import { uniformFanIn } from './init.js';

export interface Conv2dConfig {
  kernel: number;
  padding?: number;
  groups?: number;
  bias?: boolean;
  rng?: Rng;
}

/** PyTorch's Conv2d with stride 1: weight (out, in/groups, k, k). */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly padding: number;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, cfg: Conv2dConfig) {
    super();
    const rng = cfg.rng ?? new Rng(0);
    this.groups = cfg.groups ?? 1;
    this.padding = cfg.padding ?? 0;
    const fanIn = (inChannels / this.groups) * cfg.kernel * cfg.kernel;
    this.weight = this.param('weight', uniformFanIn([outChannels, inChannels / this.groups, cfg.kernel, cfg.kernel], fanIn, rng));
    this.bias = cfg.bias === false ? null : this.param('bias', uniformFanIn([outChannels], fanIn, rng));
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { padding: this.padding, groups: this.groups });
  }
}
