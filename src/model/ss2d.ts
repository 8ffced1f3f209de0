import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import * as F from '../tensor/ops/index.js';
import { Conv2d, LayerNorm, Linear, Module } from '../nn/index.js';

/** Number of scan directions: row-major, column-major and both reversed. */
const K = 4;

/**
 * The 2-D selective scan block (VMamba's SS2D, forward_corev0), on NCHW tensors.
 * Parameter names and registration order are the official ones.
 */
export class SS2D extends Module {
  readonly dInner: number;
  readonly dtRank: number;
  readonly xProjWeight: Tensor;
  readonly dtProjsWeight: Tensor;
  readonly dtProjsBias: Tensor;
  readonly ALogs: Tensor;
  readonly Ds: Tensor;
  readonly inProj: Linear;
  readonly conv2d: Conv2d;
  readonly outNorm: LayerNorm;
  readonly outProj: Linear;

  constructor(readonly dModel: number, readonly dState = 16, rng = new Rng(0)) {
    super();
    const Di = 2 * dModel;
    const R = Math.ceil(dModel / 16);
    const N = dState;
    this.dInner = Di;
    this.dtRank = R;
    this.xProjWeight = this.param('x_proj_weight', Tensor.zeros([K, R + 2 * N, Di]));
    this.dtProjsWeight = this.param('dt_projs_weight', Tensor.zeros([K, Di, R]));
    this.dtProjsBias = this.param('dt_projs_bias', Tensor.zeros([K, Di]));
    const aLogs = Tensor.zeros([K * Di, N]);
    for (let i = 0; i < K * Di; i++) for (let n = 0; n < N; n++) aLogs.data[i * N + n] = Math.log(n + 1);
    this.ALogs = this.param('A_logs', aLogs);
    this.Ds = this.param('Ds', Tensor.ones([K * Di]));
    this.inProj = this.child('in_proj', new Linear(dModel, 2 * Di, { bias: false, rng }));
    this.conv2d = this.child('conv2d', new Conv2d(Di, Di, { kernel: 3, padding: 1, groups: Di, bias: true, rng }));
    this.outNorm = this.child('out_norm', new LayerNorm(Di));
    this.outProj = this.child('out_proj', new Linear(Di, dModel, { bias: false, rng }));
    this.resetSsmParameters(rng);
  }

  /** dt_projs ~ U(±R^−½), dt bias = softplus⁻¹(dt) with dt log-uniform in [1e−3, 1e−1] (floor 1e−4), x_proj ~ U(±Di^−½). */
  resetSsmParameters(rng: Rng, dtMin = 1e-3, dtMax = 0.1, dtFloor = 1e-4): void {
    rng.fillUniform(this.xProjWeight.data, -1 / Math.sqrt(this.dInner), 1 / Math.sqrt(this.dInner));
    rng.fillUniform(this.dtProjsWeight.data, -(this.dtRank ** -0.5), this.dtRank ** -0.5);
    const b = this.dtProjsBias.data;
    for (let i = 0; i < b.length; i++) {
      const dt = Math.max(dtFloor, Math.exp(rng.uniform() * (Math.log(dtMax) - Math.log(dtMin)) + Math.log(dtMin)));
      b[i] = dt + Math.log(-Math.expm1(-dt));
    }
  }

  /** x: (b, C, H, W) → (b, C, H, W). */
  forward(x: Tensor): Tensor {
    const [b, , h, w] = x.shape;
    const Di = this.dInner;
    // in_proj's two halves (x, z) as two 1×1 convolutions with views of its weight: no chunk
    // copies of xz, and the backward sums two gradients of x's size instead of two of xz's
    const wIn = F.reshape(this.inProj.weight, [2 * Di, this.dModel, 1, 1]);
    const xi0 = F.conv2d(x, F.slice(wIn, 0, 0, Di));
    const z = F.conv2d(x, F.slice(wIn, 0, Di, 2 * Di));
    // SiLU(depthwise conv), the conv output recomputed in the backward instead of kept
    const cv = this.conv2d;
    const xi = F.conv2dAct('silu', xi0, cv.weight, cv.bias, { padding: cv.padding, groups: cv.groups });
    // (b, K·Di, L): row-major, column-major and both reversed, in one gather
    const seqs = F.ss2dGather(xi);
    const A = F.neg(F.exp(this.ALogs));
    // one op: per direction (dt_low, B, C) = x_proj·seq, delta = dt_projs·dt_low, the selective scan
    // (softplus(delta + dt bias)), and y0 + rev(y2) + untranspose(y1) + untranspose(rev(y3)) back in
    // (b, Di, h, w); the projections are recomputed in the backward rather than kept
    const y = F.ss2dScan(seqs, this.xProjWeight, this.dtProjsWeight, A, this.Ds, F.reshape(this.dtProjsBias, [K * Di]), h, w);
    // out_norm(y)·SiLU(z) in one op (the normalised map is recomputed in the backward)
    const on = this.outNorm;
    return this.outProj.forwardChannels(F.layerNormGate('silu', y, on.weight, on.bias, z, on.eps));
  }
}
