import { describe, it } from 'node:test';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';
import { availableBackends, withBackend } from './backends.js';

for (const backend of availableBackends()) {
  describe(`op gradients vs finite differences (${backend})`, () => {
    const rng = new Rng(1);
    const run = (label: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o = {}) =>
      it(label, () => withBackend(backend, () => gradcheck(label, f, inputs, o)));

    run('add with broadcasting', (a, b) => F.add(a, b), [randn([2, 3, 1, 4], rng), randn([3, 5, 1], rng)]);
    run('sub with broadcasting', (a, b) => F.sub(a, b), [randn([1, 3], rng), randn([4, 1], rng)]);
    run('mul with broadcasting and size-1 dims', (a, b) => F.mul(a, b), [randn([2, 1, 3], rng), randn([1, 5, 3], rng)]);
    run('div', (a, b) => F.div(a, b), [randn([3, 4], rng), F.addScalar(F.abs(randn([1, 4], rng, 1, false)), 1).detach().clone()].map((t, i) => (i === 1 ? new Tensor(t.data, t.shape, true) : t)));
    run('neg', (a) => F.neg(a), [randn([7], rng)]);
    run('exp', (a) => F.exp(a), [randn([3, 5], rng, 0.5)]);
    run('log', (a) => F.log(a), [new Tensor(Float32Array.from({ length: 9 }, (_, i) => 0.5 + i * 0.3), [9], true)]);
    run('sqrt', (a) => F.sqrt(a), [new Tensor(Float32Array.from({ length: 9 }, (_, i) => 0.5 + i * 0.3), [3, 3], true)]);
    run('pow 2.5', (a) => F.pow(a, 2.5), [new Tensor(Float32Array.from({ length: 6 }, (_, i) => 0.4 + i * 0.2), [6], true)]);
    run('abs', (a) => F.abs(a), [new Tensor(Float32Array.of(-1.5, -0.3, 0.4, 2), [4], true)]);
    run('clamp', (a) => F.clamp(a, -0.5, 0.5), [new Tensor(Float32Array.of(-1.5, -0.3, 0.4, 2, 0.1), [5], true)]);
    run('sin', (a) => F.sin(a), [randn([5], rng)]);
    run('cos', (a) => F.cos(a), [randn([5], rng)]);
    run('sigmoid', (a) => F.sigmoid(a), [randn([2, 5], rng, 2)]);
    run('softplus (incl. the > 20 branch)', (a) => F.softplus(a), [new Tensor(Float32Array.of(-3, -0.2, 0.5, 4, 25, 30), [6], true)]);
    run('silu', (a) => F.silu(a), [randn([2, 5], rng, 2)]);
    run('gelu', (a) => F.gelu(a), [randn([2, 5], rng, 2)]);
    run('sum over axes', (a) => F.sum(a, [0, 2]), [randn([2, 3, 4], rng)]);
    run('sum keepdim', (a) => F.sum(a, [1], true), [randn([2, 3, 4], rng)]);
    run('mean over all', (a) => F.mean(a), [randn([3, 1, 5], rng)]);
    run('matmul', (a, b) => F.matmul(a, b), [randn([3, 4], rng), randn([4, 5], rng)]);
    run('matmul batched transA', (a, b) => F.matmul(a, b, { transA: true }), [randn([2, 4, 3], rng), randn([2, 4, 5], rng)]);
    run('matmul batched transB, shared B', (a, b) => F.matmul(a, b, { transB: true }), [randn([3, 2, 4], rng), randn([5, 4], rng)]);
    run('matmul shared A, both transposed', (a, b) => F.matmul(a, b, { transA: true, transB: true }), [randn([4, 3], rng), randn([2, 5, 4], rng)]);
    run('matmul with broadcast leading batch (K weights over b×K items)', (a, b) => F.matmul(a, b), [randn([3, 2, 4], rng), randn([2, 3, 4, 5], rng)]);
    run('matmul with broadcast leading batch on b', (a, b) => F.matmul(a, b, { transB: true }), [randn([2, 3, 2, 4], rng), randn([3, 5, 4], rng)]);
    run('linear', (x, w, b) => F.linear(x, w, b), [randn([2, 3, 4], rng), randn([6, 4], rng), randn([6], rng)]);
    run('conv2d 3x3 pad 1 with bias', (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), [randn([2, 3, 5, 6], rng), randn([4, 3, 3, 3], rng), randn([4], rng)]);
    run('conv2d 1x1 no bias', (x, w) => F.conv2d(x, w), [randn([1, 5, 3, 4], rng), randn([2, 5, 1, 1], rng)]);
    run('conv2d grouped, pad 0, odd kernel', (x, w) => F.conv2d(x, w, null, { groups: 2, padding: [0, 1] }), [randn([1, 4, 6, 5], rng), randn([6, 2, 3, 2], rng)]);
    run('conv2d depthwise', (x, w, b) => F.conv2d(x, w, b, { groups: 5, padding: 1 }), [randn([2, 5, 4, 7], rng), randn([5, 1, 3, 3], rng), randn([5], rng)]);
    run('layer norm over channels (WithBias)', (x, w, b) => F.layerNormChannels(x, w, b), [randn([2, 6, 3, 5], rng), randn([6], rng), randn([6], rng)]);
    run('layer norm over channels (BiasFree)', (x, w) => F.layerNormChannels(x, w, null), [randn([1, 5, 2, 3], rng, 2), randn([5], rng)]);
    run('reshape + permute', (x) => F.permute(F.reshape(x, [3, 2, 4]), [2, 0, 1]), [randn([6, 4], rng)]);
    run('transpose', (x) => F.transpose(x, 0, -1), [randn([2, 3, 4], rng)]);
    run('flip', (x) => F.flip(x, [1, 2]), [randn([2, 3, 4], rng)]);
    run('pad', (x) => F.pad(x, [[0, 0], [1, 2], [0, 1]]), [randn([2, 3, 2], rng)]);
    run('slice', (x) => F.slice(x, 1, 1, 3), [randn([2, 4, 3], rng)]);
    run('concat', (a, b) => F.concat([a, b], 1), [randn([2, 3, 2], rng), randn([2, 1, 2], rng)]);
    run('split', (x) => F.mul(F.split(x, [1, 3], 0)[1], 2), [randn([4, 3], rng)]);
    run('chunk', (x) => { const [a, b] = F.chunk(x, 2, 1); return F.mul(a, b); }, [randn([2, 6], rng)]);
    run('pixelShuffle', (x) => F.pixelShuffle(x), [randn([1, 8, 2, 3], rng)]);
    run('pixelUnshuffle', (x) => F.pixelUnshuffle(x), [randn([2, 2, 4, 6], rng)]);
    run('avgPool2d (odd size)', (x) => F.avgPool2d(x), [randn([1, 2, 5, 7], rng)]);
    run(
      'selective scan',
      (u, dl, A, B, C, D, db) => F.selectiveScan(u, dl, A, B, C, D, db),
      [
        randn([2, 6, 70], rng, 0.5),
        randn([2, 6, 70], rng, 0.5),
        F.neg(F.exp(randn([6, 4], rng, 0.3, false))).detach(),
        randn([2, 3, 4, 70], rng, 0.5),
        randn([2, 3, 4, 70], rng, 0.5),
        randn([6], rng),
        randn([6], rng, 0.3),
      ].map((t) => new Tensor(t.data, t.shape, true)),
      { maxChecks: 25 },
    );
  });
}
