import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { detectCheckpointFormat, loadStateDict } from '../../src/io/state-dict.js';
import { saveModel, saveModelPth } from '../../src/model/checkpoint.js';
import { DFT } from '../../src/model/dft.js';
import type { StoredTensor } from '../../src/io/safetensors.js';
import { referenceDir, sha256, torchMissing, torchView } from '../io/torch-check.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tiny = { dim: 8, num_blocks: [1, 1, 1, 1] as [number, number, number, number] };

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), `${what}: bytes differ`);
}

function assertSameTensors(got: Map<string, StoredTensor>, expected: Map<string, { shape: readonly number[]; data: Float32Array }>, what: string): void {
  assert.deepEqual([...got.keys()], [...expected.keys()], `${what}: keys in the network's order`);
  for (const [k, t] of expected) {
    assert.deepEqual(got.get(k)!.shape, [...t.shape], `${what} ${k}`);
    sameBits(got.get(k)!.data, t.data, `${what} ${k}`);
  }
}

describe('convert --to pth', () => {
  let dir = '';
  let model: DFT;
  let ema: DFT;
  let st = '';
  let twoKeys = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dm-convert-pth-'));
    model = new DFT(tiny, { seed: 21 });
    ema = new DFT(tiny, { seed: 22 });
    st = join(dir, 'net_g_100.safetensors');
    saveModel(model.stateDict(), model.config, st, { metadata: { iteration: '100' } });
    twoKeys = join(dir, 'two_keys.pth');
    saveModelPth(model.stateDict(), model.config, twoKeys, { paramsEma: ema.stateDict() });
  });

  it('a .pth output (or --to pth) is a BasicSR checkpoint our loader reads back bit-identically under both keys', () => {
    const out = join(dir, 'from_st.pth');
    const r = run('convert', st, out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*from_st\.pth: 157 tensors, .* parameters \(params and params_ema both from the input\)/);
    assert.equal(detectCheckpointFormat(out), 'pth');
    for (const key of ['params', 'params_ema']) {
      const sd = loadStateDict(out, { key });
      assert.deepEqual(sd.availableKeys, ['params', 'params_ema', 'diff_mamba']);
      assertSameTensors(sd.tensors, model.stateDict(), key);
      assert.deepEqual(JSON.parse(sd.metadata.config), model.config);
      assert.equal(sd.metadata.source, st);
    }
    // --to pth whatever the extension; .pt is a pth too; other extensions stay safetensors.
    const bin = join(dir, 'weights.bin');
    assert.equal(run('convert', st, bin, '--to', 'pth').status, 0);
    assert.equal(detectCheckpointFormat(bin), 'pth');
    assert.equal(run('convert', st, join(dir, 'w.pt')).status, 0);
    assert.equal(detectCheckpointFormat(join(dir, 'w.pt')), 'pth');
    assert.equal(run('convert', out, join(dir, 'back.weights')).status, 0);
    assert.equal(detectCheckpointFormat(join(dir, 'back.weights')), 'safetensors');
    assertSameTensors(loadStateDict(join(dir, 'back.weights')).tensors, model.stateDict(), 'pth → safetensors');
    const bad = run('convert', st, join(dir, 'x.pth'), '--to', 'onnx');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--to must be pth or safetensors, got 'onnx'/);
  });

  it('a .pth holding both keys keeps both; --key copies one into both', () => {
    const out = join(dir, 'both.pth');
    const r = run('convert', twoKeys, out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /params and params_ema from the input's own/);
    assertSameTensors(loadStateDict(out, { key: 'params' }).tensors, model.stateDict(), 'params');
    assertSameTensors(loadStateDict(out, { key: 'params_ema' }).tensors, ema.stateDict(), 'params_ema');
    const one = join(dir, 'one.pth');
    assert.equal(run('convert', twoKeys, one, '--key', 'params_ema').status, 0);
    assertSameTensors(loadStateDict(one, { key: 'params' }).tensors, ema.stateDict(), 'params from --key params_ema');
    assertSameTensors(loadStateDict(one, { key: 'params_ema' }).tensors, ema.stateDict(), 'params_ema from --key params_ema');
  });

  it('refuses an existing output without --force and the input as output even with --force', () => {
    const out = join(dir, 'exists.pth');
    writeFileSync(out, 'keep me');
    const r = run('convert', st, out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /exists\.pth: output file exists; refusing to overwrite it \(add --force to replace\)/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
    const forced = run('convert', st, out, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(detectCheckpointFormat(out), 'pth');

    const before = readFileSync(twoKeys);
    for (const args of [[twoKeys, twoKeys, '--force'], [twoKeys, join(dir, '.', 'two_keys.pth'), '--force'], [st, st, '--to', 'safetensors', '--force']]) {
      const s = run('convert', ...args);
      assert.equal(s.status, 1, args.join(' '));
      assert.match(s.stderr, /is the input file; refusing to overwrite it, even with --force/);
    }
    const link = join(dir, 'link.pth');
    symlinkSync(twoKeys, link);
    assert.match(run('convert', twoKeys, link, '--force').stderr, /is the input file/);
    assert.ok(readFileSync(twoKeys).equals(before), 'the input is untouched');
    assert.ok(!existsSync(`${twoKeys}.tmp-${process.pid}`));
  });

  it('warns where the authors\' DFT differs, and our config survives the round trip', () => {
    const ours = new DFT({ ...tiny, residual_from_input: true, d_state: 8 }, { seed: 3 });
    const src = join(dir, 'ours.safetensors');
    saveModel(ours.stateDict(), ours.config, src);
    const out = join(dir, 'ours.pth');
    const r = run('convert', src, out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: d_state is 8; the authors' DTB always uses 32/);
    assert.match(r.stderr, /warning: residual_from_input is true; .* compute a different network/);
    const info = run('info', out, '--json');
    assert.equal(info.status, 0, info.stderr);
    assert.deepEqual(JSON.parse(info.stdout).config, ours.config);
    assert.equal(run('convert', st, join(dir, 'quiet.pth')).stderr, '', 'no warning for the authors\' configuration');
  });

  it('torch.load(weights_only=True) reads the converted file, and the reference DFT loads it strictly', (t) => {
    const why = torchMissing();
    if (why) return t.skip(why);
    const out = join(dir, 'for_torch.pth');
    assert.equal(run('convert', twoKeys, out).status, 0);
    const v = torchView(out, true);
    assert.deepEqual(v.keys, ['params', 'params_ema', 'diff_mamba']);
    assert.ok(v.plainLoadAgrees);
    for (const [key, m] of [['params', model], ['params_ema', ema]] as const) {
      assert.equal(v.dicts[key].type, 'collections.OrderedDict');
      assert.deepEqual(v.dicts[key].entries, [...m.stateDict()].map(([k, x]) => [k, [...x.shape], 'torch.float32', true, sha256(x.data)]), key);
    }
    assert.equal(v.reference, referenceDir() ? 'ok' : 'absent');
  });
});
