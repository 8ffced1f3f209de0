import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readSafetensors } from '../../src/io/safetensors.js';
import { DFT } from '../../src/model/index.js';
import { NoiseSchedule } from '../../src/diffusion/schedule.js';
import { dataTransform } from '../../src/diffusion/ddim.js';
import { coarseLoss, fineLoss, msSsim, mseLoss } from '../../src/train/losses/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import * as F from '../../src/tensor/ops/index.js';
import { assertClose, fixtureCase, fx, tolOf } from '../helpers/fixtures.js';
import { fixturePath } from '../helpers/shared.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';
import { Rng } from '../../src/tensor/random.js';
import { availableBackends, withBackend } from '../tensor/backends.js';

function tiny(): DFT {
  const m = new DFT({ dim: 8, num_blocks: [1, 1, 1, 1] });
  m.loadStateDict(readSafetensors(fixturePath('dft_tiny_weights.safetensors')).tensors);
  return m;
}

for (const backend of availableBackends()) {
  describe(`training losses vs the fixtures (${backend})`, () => {
    const run = (name: string, fn: () => void) => it(name, () => withBackend(backend, fn));

    run('MS-SSIM value and gradient (the authors\' max_val 255 on [0, 255] images)', () => {
      const { info, tensors } = fixtureCase('ms_ssim');
      const a = fx(tensors, 'img1', true);
      const v = msSsim(a, fx(tensors, 'img2'));
      assertClose([v.item()], tensors.get('value')!.data, tolOf(info, 'value'), 'ms_ssim value');
      v.backward();
      assertClose(a.grad!, tensors.get('grad.img1')!.data, tolOf(info, 'grad.img1'), 'ms_ssim grad');
    });

    run('coarse loss and its parameter gradients (= the dft_tiny gradients)', () => {
      const { info, tensors } = fixtureCase('coarse_loss');
      const m = tiny();
      const t = Array.from(tensors.get('t')!.data);
      const { loss, xt } = coarseLoss((x, ts) => m.forward(x, ts), new NoiseSchedule(), fx(tensors, 'lq'), fx(tensors, 'gt'), fx(tensors, 'e'), t);
      assertClose(xt.data, tensors.get('x_t')!.data, tolOf(info, 'x_t'), 'x_t');
      assertClose([loss.item()], tensors.get('loss')!.data, tolOf(info, 'loss'), 'coarse loss');
      loss.backward();
      const grads = fixtureCase('dft_tiny');
      for (const [k, p] of m.namedParameters()) {
        const e = grads.tensors.get(`grad.${k}`)!.data;
        assertClose(p.grad!, e, tolOf(grads.info, `grad.${k}`, e), `coarse grad.${k}`);
      }
    });

    run('fine loss: unrolled DDIM, MS-SSIM + L1, gradient statistics of every parameter', () => {
      const { info, tensors } = fixtureCase('fine_loss');
      const m = tiny();
      const r = fineLoss((x, ts) => m.forward(x, ts), new NoiseSchedule(), fx(tensors, 'lq'), fx(tensors, 'gt'), fx(tensors, 'x_T'));
      assertClose(r.x.data, tensors.get('x_final')!.data, tolOf(info, 'x_final'), 'x_final');
      assertClose([r.msSsim!.item()], tensors.get('ms_ssim')!.data, tolOf(info, 'ms_ssim'), 'ms_ssim');
      assertClose([r.l1!.item()], tensors.get('l1')!.data, tolOf(info, 'l1'), 'l1');
      assertClose([r.loss.item()], tensors.get('loss')!.data, tolOf(info, 'loss'), 'loss');
      r.loss.backward();
      const stats = tensors.get('gradstats')!.data;
      const params = m.namedParameters();
      assert.equal(params.length, stats.length / 4);
      params.forEach(([k, p], i) => {
        const g = p.grad!;
        let s = 0, sa = 0, l2 = 0, mx = 0;
        for (const v of g) {
          s += v;
          sa += Math.abs(v);
          l2 += v * v;
          mx = Math.max(mx, Math.abs(v));
        }
        const e = stats.subarray(i * 4, i * 4 + 4);
        const tol = 1e-3 * e[1] + 1e-12;
        [s, sa, Math.sqrt(l2), mx].forEach((a, j) => assert.ok(Math.abs(a - e[j]) <= tol, `gradstats ${k}[${j}]: ${a} vs ${e[j]}`));
        const full = tensors.get(`grad.${k}`);
        if (full) assertClose(g, full.data, tolOf(info, `grad.${k}`, full.data), `fine grad.${k}`);
      });
    });
  });
}

describe('MS-SSIM options', () => {
  it('gradients match finite differences with the corrected range', () => {
    const rng = new Rng(5);
    const b = new Tensor(rng.fillUniform(new Float32Array(2 * 32 * 32), -1, 1), [1, 2, 32, 32]);
    const a = randn([1, 2, 32, 32], rng, 0.3);
    gradcheck('ms-ssim', (x) => msSsim(x, b, { maxVal: 2 }), [a], { eps: 1e-2, maxChecks: 12 });
  });

  it('the authors\' range on [-1, 1] data gives NaN for anticorrelated images; the guard keeps it finite', () => {
    const rng = new Rng(9);
    const a = new Tensor(rng.fillUniform(new Float32Array(3 * 32 * 32), -1, 1), [1, 3, 32, 32]);
    const b = F.neg(a);
    assert.ok(Number.isNaN(msSsim(a, b, { maxVal: 2 }).item()));
    assert.ok(Number.isFinite(msSsim(a, b, { maxVal: 2, nanGuard: 'clamp' }).item()));
  });
});

describe('fine loss: the mean-squared-error term (our option, weight 0 by default)', () => {
  const setup = () => {
    const { tensors } = fixtureCase('fine_loss');
    const m = tiny();
    const net = (x: Tensor, ts: Float32Array) => m.forward(x, ts);
    return { net, lq: fx(tensors, 'lq'), gt: fx(tensors, 'gt'), xT: fx(tensors, 'x_T') };
  };

  it('MSE alone is the mean squared difference of the restored image and 2·gt − 1', () => {
    const { net, lq, gt, xT } = setup();
    const r = fineLoss(net, new NoiseSchedule(), lq, gt, xT, { ssimWeight: 0, l1Weight: 0, mseWeight: 1 });
    let s = 0;
    for (let i = 0; i < r.x.size; i++) {
      const d = r.x.data[i] - (2 * gt.data[i] - 1);
      s += d * d;
    }
    assert.ok(Math.abs(r.loss.item() - s / r.x.size) <= 1e-6 * (s / r.x.size), `${r.loss.item()} vs ${s / r.x.size}`);
    assert.equal(r.mse!.item(), r.loss.item());
    assert.equal(r.msSsim, null);
    assert.equal(r.l1, null);
  });

  it('weights add the term to the authors\' loss; the default leaves it out', () => {
    const { net, lq, gt, xT } = setup();
    const base = fineLoss(net, new NoiseSchedule(), lq, gt, xT);
    const withMse = fineLoss(net, new NoiseSchedule(), lq, gt, xT, { mseWeight: 3 });
    assert.equal(base.mse, null);
    const mse = mseLoss(base.x, dataTransform(gt)).item();
    const expected = base.loss.item() + 3 * mse;
    assert.ok(Math.abs(withMse.loss.item() - expected) <= 1e-6 * expected, `${withMse.loss.item()} vs ${expected}`);
    assert.ok(mse > 0);
    assert.equal(withMse.mse!.item(), mse);
    assert.throws(() => fineLoss(net, new NoiseSchedule(), lq, gt, xT, { ssimWeight: 0, l1Weight: 0 }), /every term has weight 0/);
  });

  it('gradient matches finite differences', () => {
    const rng = new Rng(11);
    const b = randn([1, 3, 8, 8], rng, 0.5);
    const a = randn([1, 3, 8, 8], rng, 0.5);
    gradcheck('mse', (x) => mseLoss(x, b), [a], { eps: 1e-2, maxChecks: 12 });
  });
});
