import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as F from '../../src/tensor/ops/index.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { DFT, DTB, resolveDFTConfig } from '../../src/model/index.js';
import { timeFeatures } from '../../src/model/dtb.js';
import { loadModel, saveModel } from '../../src/model/checkpoint.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';
import { availableBackends, withBackend } from '../tensor/backends.js';

// network_g.residual_from_input: the fix for SPEC §5's first quirk (the DTB residual stream is
// the normalised input). Off by default, so the authors' checkpoints give their numbers.
describe('DTB residual from the block input (residual_from_input)', () => {
  it('is x + SS2D(norm1(x) + t), then + FFN(norm2(· + t)); the default keeps norm1(x) as the residual', () => {
    const rng = new Rng(3);
    const fixed = new DTB(8, 'WithBias', 4, 2.66, new Rng(1), true);
    const quirk = new DTB(8, 'WithBias', 4, 2.66, new Rng(1));
    const x = randn([2, 8, 8, 8], rng, 2, false);
    const temb = timeFeatures(new Float32Array([10, 700]), 8);
    noGrad(() => {
      const attn = fixed.selfAttention.forward(F.add(fixed.norm1.forward(x), temb));
      const h = F.add(x, attn);
      const want = F.add(h, fixed.ffn.forward(fixed.norm2.forward(F.add(h, temb))));
      assert.deepEqual(fixed.forward(x, temb).data, want.data);
      const hq = F.add(quirk.norm1.forward(x), attn);
      const wantQuirk = F.add(hq, quirk.ffn.forward(quirk.norm2.forward(F.add(hq, temb))));
      assert.deepEqual(quirk.forward(x, temb).data, wantQuirk.data);
    });
  });

  it('keeps the per-pixel scale that the default block normalises away', () => {
    const blk = new DTB(8, 'WithBias', 4, 2.66, new Rng(1), true);
    for (const p of [...blk.ffn.parameters(), ...blk.selfAttention.parameters()]) p.data.fill(0);
    const x = randn([1, 8, 8, 8], new Rng(4), 5, false);
    const temb = timeFeatures(new Float32Array([1]), 8);
    // with the branches zeroed the block is the identity; the default would return norm1(x)
    assert.deepEqual(noGrad(() => blk.forward(x, temb)).data, x.data);
  });

  for (const backend of availableBackends()) {
    it(`gradients match finite differences (${backend} kernels)`, () => withBackend(backend, () => {
      const blk = new DTB(4, 'WithBias', 4, 2.66, new Rng(2), true);
      const temb = timeFeatures(new Float32Array([300]), 4);
      const x = randn([1, 4, 4, 4], new Rng(5), 1);
      gradcheck(`DTB residual_from_input (${backend})`, (v) => blk.forward(v, temb), [x], { maxChecks: 24 });
    }));
  }

  it('is a network_g key: validated, saved with the weights and restored by loadModel', () => {
    assert.equal(resolveDFTConfig({}).residual_from_input, false);
    assert.throws(() => resolveDFTConfig({ residual_from_input: 'yes' }), /residual_from_input must be true or false/);
    const cfg = { dim: 8, num_blocks: [1, 1, 1, 1] as [number, number, number, number], residual_from_input: true };
    const model = new DFT(cfg, { seed: 3 });
    const path = join(mkdtempSync(join(tmpdir(), 'dm-residual-')), 'm.safetensors');
    saveModel(model.stateDict(), model.config, path);
    const loaded = loadModel(path);
    assert.equal(loaded.model.config.residual_from_input, true);
    const inp = randn([1, 6, 16, 16], new Rng(6), 1, false);
    const y = noGrad(() => loaded.model.forward(inp, [400]));
    assert.deepEqual(y.data, noGrad(() => model.forward(inp, [400])).data);
    // the same weights without the option compute something else
    const quirk = new DFT({ ...cfg, residual_from_input: false });
    quirk.loadStateDict(model.stateDict());
    assert.notDeepEqual(noGrad(() => quirk.forward(inp, [400])).data, y.data);
  });
});
