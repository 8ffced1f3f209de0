import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as F from '../../src/tensor/ops/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { DFT, DEFAULT_DFT_CONFIG } from '../../src/model/index.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { assertClose, fixtureCase, fx, tolOf } from '../helpers/fixtures.js';
import { fixturePath } from '../helpers/shared.js';
import { availableBackends, withBackend } from '../tensor/backends.js';

const tinyConfig = { dim: 8, num_blocks: [1, 1, 1, 1] as [number, number, number, number] };

function tinyModel(): DFT {
  const m = new DFT(tinyConfig);
  m.loadStateDict(readSafetensors(fixturePath('dft_tiny_weights.safetensors')).tensors);
  return m;
}

describe('DFT structure', () => {
  it('the tiny config has the fixture parameter count and key order', () => {
    const m = new DFT(tinyConfig);
    const { info } = fixtureCase('dft_tiny');
    assert.equal(m.parameterCount(), (info.config as { num_params: number }).num_params);
    const keys = [...readSafetensors(fixturePath('dft_tiny_weights.safetensors')).tensors.keys()];
    assert.deepEqual(m.namedParameters().map(([k]) => k), keys);
  });

  it('the default model has the official keys, shapes and parameter count', () => {
    const official = JSON.parse(readFileSync(fixturePath('official_keys.json'), 'utf8')) as { keys: [string, number[]][]; total_params: number };
    const m = new DFT(DEFAULT_DFT_CONFIG);
    assert.deepEqual(m.namedParameters().map(([k, t]) => [k, [...t.shape]]), official.keys);
    assert.equal(m.parameterCount(), official.total_params);
    assert.equal(m.parameterCount(), 36_623_208);
  });

  it('rejects sizes that are not multiples of 8 and wrong channel counts, naming the shapes', () => {
    const m = new DFT(tinyConfig);
    assert.throws(() => m.forward(Tensor.zeros([1, 6, 12, 16]), [1]), /DFT: height and width must be multiples of 8.*\[1, 6, 12, 16\]/);
    assert.throws(() => m.forward(Tensor.zeros([1, 5, 16, 16]), [1]), /DFT: input must be \(N, 6, H, W\)/);
    assert.throws(() => m.forward(Tensor.zeros([2, 6, 16, 16]), [1]), /one timestep per batch item/);
  });

  it('reports every mismatching key at once', () => {
    const m = new DFT(tinyConfig);
    const sd = new Map(readSafetensors(fixturePath('dft_tiny_weights.safetensors')).tensors);
    sd.delete('output.weight');
    sd.set('extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    const pe = sd.get('patch_embed.proj.weight')!;
    sd.set('patch_embed.proj.weight', { ...pe, shape: [4, 6, 3, 3], data: new Float32Array(4 * 54) });
    assert.throws(() => m.loadStateDict(sd), /missing keys \(1\): output\.weight[\s\S]*unexpected keys \(1\): extra\.weight[\s\S]*wrong shape: patch_embed\.proj\.weight is \[4, 6, 3, 3\], the model needs \[8, 6, 3, 3\]/);
    const report = m.loadStateDict(sd, false);
    assert.deepEqual(report.missing, ['output.weight']);
  });
});

for (const backend of availableBackends()) {
  describe(`DFT tiny vs the PyTorch fixture (${backend})`, () => {
    it('output and the gradient of the L1 objective for every parameter and the input', () =>
      withBackend(backend, () => {
        const { info, tensors } = fixtureCase('dft_tiny');
        const m = tinyModel();
        const x = fx(tensors, 'input', true);
        const out = m.forward(x, tensors.get('t')!.data);
        assertClose(out.data, tensors.get('output')!.data, tolOf(info, 'output'), 'dft output');
        const loss = F.mean(F.abs(F.sub(out, fx(tensors, 'target'))));
        assertClose([loss.item()], tensors.get('loss')!.data, tolOf(info, 'loss'), 'dft loss');
        loss.backward();
        assertClose(x.grad!, tensors.get('grad.input')!.data, tolOf(info, 'grad.input'), 'grad.input');
        let checked = 0;
        for (const [k, p] of m.namedParameters()) {
          const name = `grad.${k}`;
          assert.ok(tensors.has(name), `fixture lacks ${name}`);
          const expected = tensors.get(name)!.data;
          assertClose(p.grad!, expected, tolOf(info, name, expected), name);
          checked++;
        }
        assert.equal(checked, 157);
      }));
  });
}

describe('default-size model', () => {
  it('runs a forward pass on 1×6×64×64', () => {
    const m = new DFT(DEFAULT_DFT_CONFIG, { seed: 1 });
    const x = Tensor.zeros([1, 6, 64, 64]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.01);
    const y = noGrad(() => m.forward(x, [500]));
    assert.deepEqual(y.shape, [1, 3, 64, 64]);
    assert.ok(y.data.every(Number.isFinite));
  });
});
