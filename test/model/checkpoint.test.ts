import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel, inferDFTConfig } from '../../src/model/checkpoint.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { DFT } from '../../src/model/index.js';
import { noGrad } from '../../src/tensor/tensor.js';
import { assertClose, fixtureCase, fx, tolOf } from '../helpers/fixtures.js';
import { fixturePath, repoRoot } from '../helpers/shared.js';

describe('model checkpoints', () => {
  it('the authors\' .pth (params) gives the fixture output; the config is inferred from the shapes', () => {
    const { model, config, sourceKey } = loadModel(fixturePath('dft_tiny.pth'), { key: 'params' });
    assert.equal(sourceKey, 'params');
    assert.equal(config.dim, 8);
    assert.deepEqual(config.num_blocks, [1, 1, 1, 1]);
    const { info, tensors } = fixtureCase('dft_tiny');
    const out = noGrad(() => model.forward(fx(tensors, 'input'), tensors.get('t')!.data));
    assertClose(out.data, tensors.get('output')!.data, tolOf(info, 'output'), 'dft from .pth');
    assert.equal(loadModel(fixturePath('dft_tiny.pth')).sourceKey, 'params_ema');
  });

  it('infers every config field from a state dict', () => {
    const cfg = { dim: 8, num_blocks: [1, 2, 1, 3] as [number, number, number, number], bias: true, LayerNorm_type: 'BiasFree' as const, d_state: 8, ffn_expansion_factor: 2 };
    const m = new DFT(cfg);
    const inferred = inferDFTConfig(m.stateDict());
    assert.deepEqual({ ...inferred, ffn_expansion_factor: Math.trunc(8 * inferred.ffn_expansion_factor) }, { ...new DFT(cfg).config, ffn_expansion_factor: 16 });
    assert.throws(() => inferDFTConfig(new Map()), /patch_embed\.proj\.weight.*is missing/);
  });

  it('.pth → safetensors → model → safetensors keeps every tensor\'s bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dm-ckpt-'));
    const a = loadModel(fixturePath('dft_tiny.pth'));
    saveModel(a.model.stateDict(), a.config, join(dir, 'a.safetensors'));
    const b = loadModel(join(dir, 'a.safetensors'));
    saveModel(b.model.stateDict(), b.config, join(dir, 'b.safetensors'));
    const [x, y] = [readSafetensors(join(dir, 'a.safetensors')), readSafetensors(join(dir, 'b.safetensors'))];
    assert.deepEqual([...x.tensors.keys()], [...y.tensors.keys()]);
    for (const [k, t] of x.tensors) assert.deepEqual(Buffer.from(y.tensors.get(k)!.data.buffer), Buffer.from(t.data.buffer), k);
    assert.throws(() => saveModel(b.model.stateDict(), b.config, join(dir, 'a.safetensors')), /refusing to overwrite/);
  });

  it('a write killed midway leaves the previous file intact (atomic rename)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dm-atomic-'));
    const target = join(dir, 'state.bin');
    writeFileAtomic(target, Buffer.from('previous checkpoint'));
    const mod = join(repoRoot(), 'dist', 'src', 'io', 'atomic.js');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { writeFileAtomic } from '${mod}'; process.stdout.write('go\\n'); writeFileAtomic('${target}', new Uint8Array(1536 * 2 ** 20).fill(7));`]);
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(readFileSync(target, 'utf8'), 'previous checkpoint');
  });
});
