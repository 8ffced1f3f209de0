/**
 * Fused ops for the model's hot paths: activation gates and SS2D's direction handling. Each is
 * one kernel call forward and one backward (see the Kernels interface); the unfused ops they
 * replace remain the reference in the tests.
 */
import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { sameShape } from '../shape.js';
import { kernels } from '../../backend/index.js';
import {
  UNARY_OPS, type GateArgs, type ScanArgs, type ScanInputs, type Ss2dArgs, type UnaryOp,
} from '../../backend/kernels.js';
import { planConv2d, type Conv2dOptions } from './conv.js';
import { SCAN_CHUNK } from './scan.js';

export function checkOp(name: string, op: UnaryOp): void {
  if (!UNARY_OPS.includes(op)) throw new TensorError(name, `unknown activation '${op}' (one of ${UNARY_OPS.join(', ')})`);
}

/**
 * act(first half)·second half over the channel halves of an (N, 2C, …) buffer `t` (C even is
 * the caller's check): the values, their shape, and the packed gradient of a buffer `src`
 * holding the same values (t itself or its recomputation).
 */
export function halvesGate(op: UnaryOp, t: Float32Array, shape: readonly number[]) {
  const n = shape[0];
  const len = t.length / (n || 1) / 2;
  const args: GateArgs = { rows: n, len, strideA: 2 * len, strideB: 2 * len };
  const kern = kernels();
  return {
    out: n ? kern.gate(op, t, t.subarray(len), args) : new Float32Array(0),
    shape: shape.map((s, i) => (i === 1 ? s / 2 : s)),
    backward: (src: Float32Array, g: Float32Array) => (n ? kern.gateBackwardPacked(op, src, src.subarray(len), g, args) : new Float32Array(0)),
  };
}

function ss2dArgs(op: string, shape: readonly number[], c: number, h: number, w: number): Ss2dArgs {
  if (![c, h, w].every((v) => Number.isInteger(v) && v >= 0)) throw new TensorError(op, 'bad sizes', [shape]);
  return { b: shape[0], c, h, w };
}

/**
 * SS2D's four scan orders: x (b, c, h, w) → (b, 4c, h·w) holding [row-major, column-major,
 * reversed row-major, reversed column-major] (direction k in channels k·c … k·c+c−1).
 * Equals concat([row, col, flip(row), flip(col)], 1); the backward is ss2dMerge.
 */
export function ss2dGather(x: Tensor): Tensor {
  if (x.ndim !== 4) throw new TensorError('ss2dGather', 'expects (b, c, h, w)', [x.shape]);
  const [b, c, h, w] = x.shape;
  const args = ss2dArgs('ss2dGather', x.shape, c, h, w);
  const kern = kernels();
  return result('ss2dGather', kern.ss2dGather(x.data, args), [b, 4 * c, h * w], [x], (g) => [kern.ss2dMerge(g, args)]);
}

/**
 * The adjoint of ss2dGather: ys (b, 4c, h·w) → (b, c, h, w), each direction mapped back to
 * row-major order and the four summed (y0 + rev y2 + untranspose(y1) + untranspose(rev y3)).
 */
export function ss2dMerge(ys: Tensor, h: number, w: number): Tensor {
  if (ys.ndim !== 3 || ys.shape[1] % 4 || ys.shape[2] !== h * w) {
    throw new TensorError('ss2dMerge', `expects (b, 4c, ${h}·${w})`, [ys.shape]);
  }
  const [b, c4] = ys.shape;
  const args = ss2dArgs('ss2dMerge', ys.shape, c4 / 4, h, w);
  const kern = kernels();
  return result('ss2dMerge', kern.ss2dMerge(ys.data, args), [b, c4 / 4, h, w], [ys], (g) => [kern.ss2dGather(g, args)]);
}

/**
 * act(conv2d(x, weight, bias)) as one op that does not keep the convolution's output: the
 * backward recomputes it (cheap for the depthwise convs this serves). Saves one feature map of
 * activation memory per use in training.
 */
export function conv2dAct(op: UnaryOp, x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  checkOp('conv2dAct', op);
  const c = planConv2d('conv2dAct', x.shape, weight, bias, opts);
  const kern = kernels();
  const out = kern.unary(op, c.forward(x.data));
  return result('conv2dAct', out, c.shape, [x, ...c.params], (g) => {
    const t = c.forward(x.data);
    return c.backward(kern.unaryBackward(op, t, op === 'exp' || op === 'sigmoid' ? out : null, g), x.data, x.requiresGrad);
  });
}

/**
 * SS2D's projections, scan and merge as one op that keeps only what the backward cannot cheaply
 * rebuild. Inputs: u (b, K·d, L) the gathered directions (K = 4), xProjW (K, R+2N, d), dtW
 * (K, d, R), A (K·d, N), D and dtBias (K·d). Per direction k: proj = xProjW[k]·u_k, whose rows
 * are [dt_low (R) | B (N) | C (N)], delta = dtW[k]·dt_low; then the selective scan
 * (softplus(delta + dtBias)) and ss2dMerge back to (b, d, h, w). Equals
 * ss2dMerge(selectiveScan(u, dtW·dt_low, A, B, C, D, dtBias), h, w) with (dt_low, B, C) =
 * split(xProjW·u); proj and delta (and the scan output) are recomputed in the backward instead
 * of kept, the scan's saved states are the only extra memory.
 */
export function ss2dScan(u: Tensor, xProjW: Tensor, dtW: Tensor, A: Tensor, D: Tensor, dtBias: Tensor, h: number, w: number): Tensor {
  const K = 4;
  const fail = (msg: string) => new TensorError('ss2dScan', msg, [u.shape, xProjW.shape, dtW.shape, A.shape, D.shape, dtBias.shape]);
  if (u.ndim !== 3 || u.shape[1] % K) throw fail('u must be (b, 4·d, L)');
  const [b, ch, L] = u.shape;
  const d = ch / K;
  if (L !== h * w) throw fail(`L must be ${h}·${w}`);
  if (dtW.ndim !== 3 || dtW.shape[0] !== K || dtW.shape[1] !== d) throw fail(`dtW must be (4, ${d}, R)`);
  const R = dtW.shape[2];
  if (A.ndim !== 2 || A.shape[0] !== ch) throw fail(`A must be (${ch}, N)`);
  const N = A.shape[1];
  const P = R + 2 * N;
  if (xProjW.ndim !== 3 || xProjW.shape[0] !== K || xProjW.shape[1] !== P || xProjW.shape[2] !== d) throw fail(`xProjW must be (4, ${P}, ${d})`);
  if (D.size !== ch || dtBias.size !== ch) throw fail(`D and dtBias must have ${ch} elements`);
  const kern = kernels();
  // B and C are read in place out of the projection (b, K, P, L): a (N, L) block every P·L
  const args: ScanArgs = { b, groups: K, d, n: N, L, chunk: SCAN_CHUNK, bcStride: P * L };
  const plane = { b, c: d, h, w };
  const uLen = ch * L;
  const pLen = K * P * L;
  /** The projection [dt_low (R, L) | B (N, L) | C (N, L)] per direction, then delta (K·d, L) from dt_low. */
  const rebuild = () => {
    const proj = kern.empty(b * pLen);
    const delta = kern.empty(b * uLen);
    for (let bi = 0; bi < b; bi++) {
      kern.matmul(xProjW.data, u.data.subarray(bi * uLen, (bi + 1) * uLen), {
        batch: K, m: P, k: d, n: L, transA: false, transB: false, strideA: P * d, strideB: d * L, into: proj.subarray(bi * pLen),
      });
      kern.matmul(dtW.data, proj.subarray(bi * pLen), {
        batch: K, m: d, k: R, n: L, transA: false, transB: false, strideA: d * R, strideB: P * L, into: delta.subarray(bi * uLen),
      });
    }
    const inputs: ScanInputs = { u: u.data, delta, A: A.data, B: proj.subarray(R * L), C: proj.subarray((R + N) * L), D: D.data, deltaBias: dtBias.data };
    return { proj, inputs };
  };
  let states: Float32Array;
  let y: Float32Array;
  {
    const { inputs } = rebuild();
    const scanned = kern.scan(inputs, args);
    states = scanned.states;
    y = kern.ss2dMerge(scanned.y, plane);
  }
  return result('ss2dScan', y, [b, d, h, w], [u, xProjW, dtW, A, D, dtBias], (g) => {
    const { proj, inputs } = rebuild();
    const r = kern.scanBackward(inputs, states, kern.ss2dGather(g, plane), args);
    const gW = dtW.requiresGrad ? new Float32Array(dtW.size) : null;
    const gXW = xProjW.requiresGrad ? new Float32Array(xProjW.size) : null;
    const du = r.du;
    const gp = kern.empty(pLen);
    for (let bi = 0; bi < b; bi++) {
      const dd = r.ddelta.subarray(bi * uLen, (bi + 1) * uLen);
      const dl = proj.subarray(bi * pLen);
      const ub = u.data.subarray(bi * uLen, (bi + 1) * uLen);
      // dtW: ddelta · dt_lowᵀ per direction, summed over the batch
      if (gW) kern.matmul(dd, dl, { batch: K, m: d, k: L, n: R, transA: false, transB: true, strideA: d * L, strideB: P * L, into: gW, accumulate: bi > 0 });
      // d proj = [dtWᵀ·ddelta | dB | dC] per direction
      kern.matmul(dtW.data, dd, { batch: K, m: R, k: d, n: L, transA: true, transB: false, strideA: d * R, strideB: d * L, into: gp, strideC: P * L });
      for (let k = 0; k < K; k++) {
        const gi = bi * K + k;
        const o = k * P * L;
        gp.set(r.dB.subarray(gi * N * L, (gi + 1) * N * L), o + R * L);
        gp.set(r.dC.subarray(gi * N * L, (gi + 1) * N * L), o + (R + N) * L);
      }
      if (gXW) kern.matmul(gp, ub, { batch: K, m: P, k: L, n: d, transA: false, transB: true, strideA: P * L, strideB: d * L, into: gXW, accumulate: bi > 0 });
      // u feeds the scan and the projection: du += xProjWᵀ · d proj
      if (u.requiresGrad) {
        kern.matmul(xProjW.data, gp, {
          batch: K, m: d, k: P, n: L, transA: true, transB: false, strideA: P * d, strideB: P * L, into: du.subarray(bi * uLen), accumulate: true,
        });
      }
    }
    return [u.requiresGrad ? du : null, gXW, gW, r.dA, r.dD, r.dDeltaBias];
  });
}

/**
 * The FFN's body as one op: act(a)·g with (a, g) = chunk(conv2(conv1(x)), 2, 1) — project_in
 * (conv1), the depthwise conv (conv2), the chunk and the gate — keeping only x: both conv
 * outputs are recomputed in the backward. Equals splitGate(op, conv2d(conv2d(x, w1, b1, o1), w2, b2, o2)) (the tests' fused variants).
 * Biases may be null.
 */
export function convConvSplitGate(
  op: UnaryOp, x: Tensor,
  w1: Tensor, b1: Tensor | null, o1: Conv2dOptions,
  w2: Tensor, b2: Tensor | null, o2: Conv2dOptions,
): Tensor {
  checkOp('convConvSplitGate', op);
  const c1 = planConv2d('convConvSplitGate', x.shape, w1, b1, o1);
  const c2 = planConv2d('convConvSplitGate', c1.shape, w2, b2, o2);
  if (c2.shape[1] % 2) throw new TensorError('convConvSplitGate', 'the second convolution needs an even number of output channels', [w2.shape]);
  const hg = halvesGate(op, c2.forward(c1.forward(x.data)), c2.shape);
  return result('convConvSplitGate', hg.out, hg.shape, [x, ...c1.params, ...c2.params], (g) => {
    const r1 = c1.forward(x.data);
    const [g1, ...grads2] = c2.backward(hg.backward(c2.forward(r1), g), r1, true);
    return [...c1.backward(g1!, x.data, x.requiresGrad), ...grads2];
  });
}

/**
 * LayerNorm over channels times a gate: layerNormChannels(y, weight, bias, eps) · act(z), as SS2D's
 * out_norm(y)·SiLU(z), without keeping the normalised map (recomputed in the backward).
 */
export function layerNormGate(op: UnaryOp, y: Tensor, weight: Tensor, bias: Tensor | null, z: Tensor, eps = 1e-5): Tensor {
  checkOp('layerNormGate', op);
  if (y.ndim < 2 || !sameShape(y.shape, z.shape)) throw new TensorError('layerNormGate', 'y must be (N, C, …) and z the same shape', [y.shape, z.shape]);
  const [n, c] = y.shape;
  if (weight.size !== c || (bias && bias.size !== c)) {
    throw new TensorError('layerNormGate', `weight and bias must have ${c} elements`, [y.shape, weight.shape, ...(bias ? [bias.shape] : [])]);
  }
  const args = { n, c, hw: y.size / (n * c || 1), eps, subtractMean: bias !== null };
  const gate: GateArgs = { rows: 1, len: y.size, strideA: y.size, strideB: y.size };
  const kern = kernels();
  const norm = () => kern.channelNorm(y.data, weight.data, bias ? bias.data : null, args);
  const out = kern.gate(op, z.data, norm().y, gate);
  const inputs = bias ? [y, weight, bias, z] : [y, weight, z];
  return result('layerNormGate', out, y.shape, inputs, (g) => {
    const ln = norm();
    const { da: dz, db: dn } = kern.gateBackward(op, z.data, ln.y, g, gate);
    const { dx, dweight, dbias } = kern.channelNormBackward(dn, y.data, weight.data, ln.mean, ln.rstd, args);
    return bias ? [dx, dweight, dbias, dz] : [dx, dweight, dz];
  });
}
