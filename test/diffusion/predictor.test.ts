import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DFT } from '../../src/model/index.js';
import { ConfigError } from '../../src/model/config.js';
import { loadModel, saveModel } from '../../src/model/checkpoint.js';
import { NoiseSchedule } from '../../src/diffusion/schedule.js';
import { restoreWithDdim } from '../../src/diffusion/ddim.js';
import { noisePredictor } from '../../src/diffusion/predictor.js';
import { noGrad, Tensor } from '../../src/tensor/tensor.js';
import * as F from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/random.js';

const tiny = (predict_residual: boolean) => new DFT({ dim: 8, num_blocks: [1, 1, 1, 1], predict_residual }, { seed: 3 });

function image(n: number, seed: number, lo = 0, hi = 1): Tensor {
  return new Tensor(new Rng(seed).fillUniform(new Float32Array(n * 3 * 16 * 16), lo, hi), [n, 3, 16, 16]);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('noisePredictor', () => {
  it('without predict_residual is the network itself (the authors\' ε̂ = output + x_t)', () => {
    const m = tiny(false);
    const x = image(2, 1, -1, 1);
    const input = F.concat([image(2, 2, -1, 1), x], 1);
    const t = Float32Array.of(999, 0);
    const want = noGrad(() => m.forward(input, t)).data;
    assert.deepEqual(noGrad(() => noisePredictor(m, new NoiseSchedule())(input, t)).data, want);
  });

  it('with predict_residual, ε̂ = (x_t − √ᾱ_t (lq + r)) / √(1 − ᾱ_t) per batch item', () => {
    const m = tiny(true);
    for (const p of m.output.parameters()) new Rng(11).fillUniform(p.data, -0.1, 0.1);
    const sched = new NoiseSchedule();
    const lq = image(2, 4, -1, 1);
    const xt = image(2, 5, -1, 1);
    const input = F.concat([lq, xt], 1);
    const t = Float32Array.of(999, 333);
    const r = noGrad(() => m.forward(input, t)).data;
    const got = noGrad(() => noisePredictor(m, sched)(input, t)).data;
    const per = 3 * 16 * 16;
    for (let i = 0; i < got.length; i++) {
      const a = sched.alpha(t[Math.floor(i / per)]);
      const want = (xt.data[i] - Math.sqrt(a) * (lq.data[i] + r[i])) / Math.sqrt(1 - a);
      assert.ok(Math.abs(got[i] - want) <= 1e-4 * Math.max(1, Math.abs(want)), `element ${i}: ${got[i]} vs ${want}`);
    }
  });

  it('a residual network that outputs zero restores every image to itself; the authors\' parameterisation does not', () => {
    const sched = new NoiseSchedule();
    const lq = image(1, 6);
    const xT = new Tensor(new Rng(7).fillNormal(new Float32Array(3 * 16 * 16)), [1, 3, 16, 16]);
    const zeroed = (p: boolean) => {
      const m = tiny(p);
      for (const w of m.parameters()) w.data.fill(0);
      return m;
    };
    const residual = zeroed(true);
    const out = restoreWithDdim(noisePredictor(residual, sched), sched, lq, xT);
    assert.ok(maxDiff(out, lq.data) < 1e-4, `identity off by ${maxDiff(out, lq.data)}`);
    const authors = zeroed(false);
    const other = restoreWithDdim(noisePredictor(authors, sched), sched, lq, xT);
    assert.ok(maxDiff(other, lq.data) > 0.05);
  });

  it('a freshly built residual predictor is the identity: its output convolution starts at zero', () => {
    const m = tiny(true);
    const sched = new NoiseSchedule();
    const lq = image(1, 8);
    const xT = new Tensor(new Rng(9).fillNormal(new Float32Array(3 * 16 * 16)), [1, 3, 16, 16]);
    const out = restoreWithDdim(noisePredictor(m, sched), sched, lq, xT);
    assert.ok(maxDiff(out, lq.data) < 1e-4);
    assert.ok(m.output.parameters().every((p) => p.data.every((v) => v === 0)));
    assert.ok(tiny(false).output.parameters().some((p) => p.data.some((v) => v !== 0)));
  });

  it('the option needs cat[lq, x_t] of two RGB images, and travels with the weights', () => {
    assert.throws(() => new DFT({ dim: 8, num_blocks: [1, 1, 1, 1], inp_channels: 4, predict_residual: true }), ConfigError);
    assert.throws(() => new DFT({ dim: 8, num_blocks: [1, 1, 1, 1], predict_residual: 'yes' as unknown as boolean }), /predict_residual must be true or false/);
    const dir = mkdtempSync(join(tmpdir(), 'dm-predictor-'));
    try {
      const m = tiny(true);
      const path = join(dir, 'm.safetensors');
      saveModel(m.namedParameters(), m.config, path);
      assert.equal(loadModel(path).model.config.predict_residual, true);
      const plain = tiny(false);
      saveModel(plain.namedParameters(), plain.config, join(dir, 'p.safetensors'));
      assert.equal(loadModel(join(dir, 'p.safetensors')).model.config.predict_residual, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
