import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countWork, dftForwardWork } from '../bench/work.js';
import { measureRoofline, rooflineFields } from '../bench/roofline.js';
import { kernels } from '../src/backend/index.js';
import { DFT, DEFAULT_DFT_CONFIG } from '../src/model/index.js';
import { loadModel } from '../src/model/checkpoint.js';
import { bundledModelPath } from '../src/restore/bundled.js';
import { Tensor, noGrad } from '../src/tensor/tensor.js';
import { Rng } from '../src/tensor/random.js';

function input(n: number, c: number, h: number, w: number): Tensor {
  const t = Tensor.zeros([n, c, h, w]);
  new Rng(3).fillUniform(t.data, -1, 1);
  return t;
}

/** The work one forward does, counted by the kernel profiler. */
function profiledForward(net: DFT, x: Tensor) {
  const t = Float32Array.from({ length: x.shape[0] }, (_, i) => 100 + 300 * i);
  return countWork(() => noGrad(() => net.forward(x, t))).work;
}

describe('bench work counts (bench/work.ts)', () => {
  it('the closed form equals what the profiler counts for the bundled model at 64²', () => {
    const { model, config } = loadModel(bundledModelPath('denoise'));
    const w = profiledForward(model, input(1, 6, 64, 64));
    assert.deepEqual({ flops: w.flops, updates: w.updates }, dftForwardWork(config, 1, 64, 64));
    // per kernel: the scan is the only source of updates, matmuls and convs the only FLOPs
    for (const r of w.rows) {
      if (r.updates) assert.match(r.name, /selective scan/);
      if (r.flops) assert.match(r.name, /^(matmul|conv2d)/);
    }
    // issue 16's figures for a 256² forward of this model: about 13 GFLOP and 1.24 G updates
    const big = dftForwardWork(config, 1, 256, 256);
    assert.ok(Math.abs(big.flops / 1e9 - 13.25) < 0.01, String(big.flops));
    assert.ok(Math.abs(big.updates / 1e9 - 1.2415) < 0.001, String(big.updates));
  });

  it('the closed form equals what the profiler counts for the default model at 64²', () => {
    const net = new DFT({}, { seed: 0 });
    const w = profiledForward(net, input(1, 6, 64, 64));
    assert.deepEqual({ flops: w.flops, updates: w.updates }, dftForwardWork(DEFAULT_DFT_CONFIG, 1, 64, 64));
  });

  it('agrees for a batch, a non-square input, a skip conv and other config knobs', () => {
    const cfg = { dim: 8, num_blocks: [1, 2, 1, 1] as [number, number, number, number], d_state: 8, ffn_expansion_factor: 2.5, bias: true, dual_pixel_task: true };
    const net = new DFT(cfg, { seed: 1 });
    const w = profiledForward(net, input(2, 6, 32, 48));
    assert.deepEqual({ flops: w.flops, updates: w.updates }, dftForwardWork(net.config, 2, 32, 48));
  });

  it('counts a training step (forward + backward) and leaves the kernels as they were', () => {
    const before = { ...kernels() };
    const net = new DFT({ dim: 8, num_blocks: [1, 1, 1, 1], d_state: 8 }, { seed: 2 });
    const x = input(1, 6, 32, 32);
    const fwd = dftForwardWork(net.config, 1, 32, 32);
    const { work } = countWork(() => {
      const y = net.forward(x, Float32Array.of(500));
      let s = 0;
      for (const v of y.data) s += v;
      y.backward({ grad: new Float32Array(y.size).fill(1 / y.size) });
      return s;
    });
    // every scan runs forward once and backward once; the convs and matmuls at least forward,
    // input gradient and weight gradient (the fused ops also recompute some forward work)
    assert.equal(work.updates, 2 * fwd.updates);
    assert.ok(work.flops >= 2.5 * fwd.flops && work.flops <= 5 * fwd.flops, `${work.flops} vs forward ${fwd.flops}`);
    const after = kernels();
    for (const k of Object.keys(before) as (keyof typeof before)[]) assert.equal(after[k], before[k], `kernels().${String(k)} restored`);
  });

  it('roofline_ms = FLOPs / peak + updates / scan bound; no roofline, no columns', () => {
    const roof = { threads: 2, ms: 300, flops_per_s: 400e9, flops_per_s_1t: 200e9, updates_per_s: 20e9, updates_per_s_1t: 10e9 };
    const f = rooflineFields({ flops: 13.2e9, updates: 1.24e9 }, 200, roof);
    assert.ok(Math.abs(f.roofline_ms! - (33 + 62)) < 1e-9);
    assert.ok(Math.abs(f.efficiency! - 95 / 200) < 1e-12);
    assert.deepEqual(rooflineFields({ flops: 1, updates: 2 }, 5, 'not measured: stale addon'), { flops: 1, updates: 2, roofline_ms: null, efficiency: null });
    const m = measureRoofline();
    if (typeof m === 'string') assert.match(m, /^not measured: /);
    else {
      assert.ok(m.flops_per_s > 1e9 && m.flops_per_s_1t > 1e9, JSON.stringify(m));
      assert.ok(m.updates_per_s > 1e8 && m.updates_per_s_1t > 1e8, JSON.stringify(m));
    }
  });
});
