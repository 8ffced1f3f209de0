import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as F from '../../src/tensor/ops/index.js';
import * as V from '../helpers/fused-variants.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';
import { availableBackends, withBackend } from './backends.js';

function close(got: Float32Array, want: Float32Array, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

/** The unfused SS2D direction handling the fused ops replace. */
function gatherRef(x: Tensor): Tensor {
  const [b, c, h, w] = x.shape;
  const row = F.reshape(x, [b, c, h * w]);
  const col = F.reshape(F.transpose(x, 2, 3), [b, c, h * w]);
  return F.concat([row, col, F.flip(row, [2]), F.flip(col, [2])], 1);
}

function mergeRef(ys: Tensor, h: number, w: number): Tensor {
  const [b, c4, L] = ys.shape;
  const c = c4 / 4;
  const [y0, y1, y2, y3] = F.split(ys, [c, c, c, c], 1);
  const colToRow = (t: Tensor) => F.reshape(F.transpose(F.reshape(t, [b, c, w, h]), 2, 3), [b, c, L]);
  return F.reshape(F.add(F.add(y0, F.flip(y2, [2])), F.add(colToRow(y1), colToRow(F.flip(y3, [2])))), [b, c, h, w]);
}

for (const backend of availableBackends()) {
  describe(`fused ops (${backend})`, () => {
    const rng = new Rng(3);
    const run = (label: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o = {}) =>
      it(`${label}: gradient vs finite differences`, () => withBackend(backend, () => gradcheck(label, f, inputs, o)));

    run('gatedActivation silu', (a, b) => V.gatedActivation('silu', a, b), [randn([2, 3, 5], rng, 2), randn([2, 3, 5], rng)]);
    run('gatedActivation gelu', (a, b) => V.gatedActivation('gelu', a, b), [randn([3, 7], rng, 2), randn([3, 7], rng)]);
    run('splitGate gelu (batch 2)', (x) => V.splitGate('gelu', x), [randn([2, 6, 3, 3], rng, 2)]);
    run('splitGate silu (batch 1)', (x) => V.splitGate('silu', x), [randn([1, 4, 5], rng, 2)]);
    run('ss2dGather', (x) => F.ss2dGather(x), [randn([2, 3, 3, 4], rng)]);
    run('ss2dMerge', (y) => F.ss2dMerge(y, 4, 3), [randn([1, 8, 12], rng)]);
    it('selectiveScanMerged: gradient vs finite differences', () =>
      withBackend(backend, () => {
        const b = 1, d = 2, n = 3, h = 2, w = 3, L = h * w;
        const A = new Tensor(Float32Array.from({ length: 4 * d * n }, (_, i) => -0.3 - 0.1 * (i % 5)), [4 * d, n], true);
        gradcheck(
          'selectiveScanMerged',
          (u, dl, a, B, C, D, db) => V.selectiveScanMerged(u, dl, a, B, C, D, db, h, w),
          [randn([b, 4 * d, L], rng), randn([b, 4 * d, L], rng, 0.5), A, randn([b, 4, n, L], rng), randn([b, 4, n, L], rng), randn([4 * d], rng), randn([4 * d], rng, 0.5)],
        );
      }));
    it('selectiveScanMerged equals ss2dMerge(selectiveScan)', () =>
      withBackend(backend, () => {
        const b = 2, d = 3, n = 4, h = 3, w = 5, L = h * w;
        const ins = [randn([b, 4 * d, L], rng, 1, false), randn([b, 4 * d, L], rng, 0.5, false), F.neg(F.exp(randn([4 * d, n], rng, 0.5, false))),
          randn([b, 4, n, L], rng, 1, false), randn([b, 4, n, L], rng, 1, false), randn([4 * d], rng, 1, false), randn([4 * d], rng, 0.5, false)] as const;
        const want = F.ss2dMerge(F.selectiveScan(...ins), h, w);
        close(V.selectiveScanMerged(...ins, h, w).data, want.data, 1e-6, 'selectiveScanMerged');
        assert.throws(() => V.selectiveScanMerged(...ins, w, h + 1), /directions/);
      }));
    run('conv2dAct silu (depthwise, bias)', (x, w, b) => F.conv2dAct('silu', x, w, b, { padding: 1, groups: 3 }), [randn([2, 3, 4, 5], rng), randn([3, 1, 3, 3], rng), randn([3], rng)]);
    run('conv2dAct sigmoid (dense, no bias)', (x, w) => F.conv2dAct('sigmoid', x, w, null, { padding: 1 }), [randn([1, 2, 3, 4], rng), randn([3, 2, 3, 3], rng)]);
    run('conv2dSplitGate gelu (depthwise, bias)', (x, w, b) => V.conv2dSplitGate('gelu', x, w, b, { padding: 1, groups: 4 }), [randn([2, 4, 3, 5], rng), randn([4, 1, 3, 3], rng), randn([4], rng)]);
    run('convConvSplitGate gelu (1x1 then depthwise, biases)', (x, w1, b1, w2, b2) => F.convConvSplitGate('gelu', x, w1, b1, {}, w2, b2, { padding: 1, groups: 4 }),
      [randn([2, 3, 3, 4], rng), randn([4, 3, 1, 1], rng), randn([4], rng), randn([4, 1, 3, 3], rng), randn([4], rng)]);
    run('convConvSplitGate silu (no biases)', (x, w1, w2) => F.convConvSplitGate('silu', x, w1, null, { padding: 1 }, w2, null, {}),
      [randn([1, 2, 3, 3], rng), randn([2, 2, 3, 3], rng), randn([4, 2, 1, 1], rng)]);
    run('layerNormGate silu (WithBias)', (y, w, b, z) => F.layerNormGate('silu', y, w, b, z), [randn([2, 4, 3, 2], rng), randn([4], rng), randn([4], rng), randn([2, 4, 3, 2], rng, 2)]);
    run('layerNormGate gelu (BiasFree)', (y, w, z) => F.layerNormGate('gelu', y, w, null, z), [randn([1, 3, 5], rng, 2), randn([3], rng), randn([1, 3, 5], rng, 2)]);
    it('convConvSplitGate and layerNormGate equal the unfused ops', () =>
      withBackend(backend, () => {
        const x = randn([2, 3, 5, 6], rng, 1, false);
        const w1 = randn([8, 3, 1, 1], rng, 1, false);
        const b1 = randn([8], rng, 1, false);
        const w2 = randn([8, 1, 3, 3], rng, 1, false);
        const b2 = randn([8], rng, 1, false);
        const want = V.conv2dSplitGate('gelu', F.conv2d(x, w1, b1), w2, b2, { padding: 1, groups: 8 });
        close(F.convConvSplitGate('gelu', x, w1, b1, {}, w2, b2, { padding: 1, groups: 8 }).data, want.data, 1e-6, 'convConvSplitGate');
        const y = randn([2, 4, 3, 5], rng, 1, false);
        const z = randn([2, 4, 3, 5], rng, 1, false);
        const lw = randn([4], rng, 1, false);
        const lb = randn([4], rng, 1, false);
        close(F.layerNormGate('silu', y, lw, lb, z).data, F.mul(F.layerNormChannels(y, lw, lb), F.silu(z)).data, 1e-6, 'layerNormGate');
        assert.throws(() => F.layerNormGate('silu', y, lw, lb, x), /same shape/);
      }));
    it('ss2dScan: gradient vs finite differences', () =>
      withBackend(backend, () => {
        const b = 2, d = 2, n = 2, R = 1, h = 2, w = 3, L = h * w;
        const A = new Tensor(Float32Array.from({ length: 4 * d * n }, (_, i) => -0.3 - 0.1 * (i % 5)), [4 * d, n], true);
        gradcheck(
          'ss2dScan',
          (u, XW, W, a, D, db) => F.ss2dScan(u, XW, W, a, D, db, h, w),
          [randn([b, 4 * d, L], rng), randn([4, R + 2 * n, d], rng, 0.7), randn([4, d, R], rng, 0.7), A, randn([4 * d], rng), randn([4 * d], rng, 0.5)],
          { maxChecks: 30 },
        );
      }));
    it('conv2dAct, conv2dSplitGate and ss2dScan equal the unfused ops', () =>
      withBackend(backend, () => {
        const x = randn([2, 6, 5, 7], rng, 1, false);
        const wd = randn([6, 1, 3, 3], rng, 1, false);
        const bd = randn([6], rng, 1, false);
        const conv = F.conv2d(x, wd, bd, { padding: 1, groups: 6 });
        close(F.conv2dAct('gelu', x, wd, bd, { padding: 1, groups: 6 }).data, F.gelu(conv).data, 1e-6, 'conv2dAct');
        const [a, g] = F.chunk(conv, 2, 1);
        close(V.conv2dSplitGate('gelu', x, wd, bd, { padding: 1, groups: 6 }).data, F.mul(F.gelu(a), g).data, 1e-6, 'conv2dSplitGate');
        const b = 2, d = 3, n = 4, R = 2, h = 3, w = 5, L = h * w;
        const u = randn([b, 4 * d, L], rng, 1, false);
        const XW = randn([4, R + 2 * n, d], rng, 0.5, false);
        const proj = F.matmul(XW, F.reshape(u, [b, 4, d, L]));
        const W = randn([4, d, R], rng, 0.5, false);
        const A = F.neg(F.exp(randn([4 * d, n], rng, 0.5, false)));
        const D = randn([4 * d], rng, 1, false);
        const db = randn([4 * d], rng, 0.5, false);
        const [dtLow, B, C] = F.split(proj, [R, n, n], 2);
        const delta = F.reshape(F.matmul(W, dtLow), [b, 4 * d, L]);
        const want = F.ss2dMerge(F.selectiveScan(u, delta, A, B, C, D, db), h, w);
        close(F.ss2dScan(u, XW, W, A, D, db, h, w).data, want.data, 1e-6, 'ss2dScan');
        assert.throws(() => F.ss2dScan(u, XW, W, A, D, db, h + 1, w), /L must be/);
      }));
    run('slice view of a batch-1 tensor', (x) => F.mul(F.chunk(x, 2, 1)[1], F.chunk(x, 2, 1)[0]), [randn([1, 6, 2], rng)]);
    run('add (N,C,H,W) + (N,C,1,1) (coalesced rows)', (a, b) => F.add(a, b), [randn([2, 3, 4, 5], rng), randn([2, 3, 1, 1], rng)]);

    it('fused ops equal the unfused ones', () =>
      withBackend(backend, () => {
        const x = randn([2, 6, 5, 7], rng, 2, false);
        const [a, g] = F.chunk(x, 2, 1);
        close(V.splitGate('gelu', x).data, F.mul(F.gelu(a), g).data, 1e-6, 'splitGate');
        close(V.gatedActivation('silu', a, g).data, F.mul(F.silu(a), g).data, 1e-6, 'gatedActivation');
        close(F.ss2dGather(x).data, gatherRef(x).data, 0, 'ss2dGather');
        const ys = randn([2, 12, 35], rng, 1, false);
        close(F.ss2dMerge(ys, 5, 7).data, mergeRef(ys, 5, 7).data, 1e-6, 'ss2dMerge');
      }));

    it('gather and merge are adjoint: <gather x, y> = <x, merge y>', () =>
      withBackend(backend, () => {
        const x = randn([1, 3, 4, 6], rng, 1, false);
        const y = randn([1, 12, 24], rng, 1, false);
        const gx = F.ss2dGather(x).data;
        const my = F.ss2dMerge(y, 4, 6).data;
        let lhs = 0;
        let rhs = 0;
        for (let i = 0; i < gx.length; i++) lhs += gx[i] * y.data[i];
        for (let i = 0; i < my.length; i++) rhs += x.data[i] * my[i];
        assert.ok(Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
      }));

    it('a batch-1 slice shares memory and never changes its source', () =>
      withBackend(backend, () => {
        const x = Tensor.from([1, 2, 3, 4, 5, 6], [1, 3, 2]);
        const [, mid] = F.split(x, [1, 1, 1], 1);
        assert.deepEqual([...mid.data], [3, 4]);
        const y = noGrad(() => F.mulScalar(mid, 2));
        assert.deepEqual([...y.data], [6, 8]);
        assert.deepEqual([...x.data], [1, 2, 3, 4, 5, 6]);
      }));

    it('rejects bad arguments', () =>
      withBackend(backend, () => {
        assert.throws(() => V.splitGate('gelu', Tensor.zeros([1, 3, 2])), /even channel count/);
        assert.throws(() => V.gatedActivation('silu', Tensor.zeros([2]), Tensor.zeros([3])), /same shape/);
        assert.throws(() => F.ss2dMerge(Tensor.zeros([1, 6, 4]), 2, 2), /expects/);
        assert.throws(() => F.ss2dGather(Tensor.zeros([1, 4, 4])), /expects/);
        assert.throws(() => V.gatedActivation('tanh' as 'silu', Tensor.zeros([2]), Tensor.zeros([2])), /unknown activation/);
      }));
  });
}
