import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import * as F from '../tensor/ops/index.js';
import { Conv2d, Module } from '../nn/index.js';

/** The gated depthwise-conv feed-forward network (DFNN); hidden = int(dim·factor), truncated. */
export class FeedForward extends Module {
  readonly hidden: number;
  readonly projectIn: Conv2d;
  readonly dwconv: Conv2d;
  readonly projectOut: Conv2d;

  constructor(dim: number, factor = 2.66, bias = true, rng = new Rng(0)) {
    super();
    const h = Math.trunc(dim * factor);
    this.hidden = h;
    this.projectIn = this.child('project_in', new Conv2d(dim, 2 * h, { kernel: 1, bias, rng }));
    this.dwconv = this.child('dwconv', new Conv2d(2 * h, 2 * h, { kernel: 3, padding: 1, groups: 2 * h, bias, rng }));
    this.projectOut = this.child('project_out', new Conv2d(h, dim, { kernel: 1, bias, rng }));
  }

  forward(x: Tensor): Tensor {
    // project_in, dwconv, chunk into (a, g) and GELU(a)·g in one op: only x is kept, the two conv
    // outputs are recomputed in the backward (the hidden maps are the FFN's largest)
    const pi = this.projectIn;
    const dw = this.dwconv;
    const gated = F.convConvSplitGate('gelu', x,
      pi.weight, pi.bias, { padding: pi.padding, groups: pi.groups },
      dw.weight, dw.bias, { padding: dw.padding, groups: dw.groups });
    return this.projectOut.forward(gated);
  }
}
