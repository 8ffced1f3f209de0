import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { loadStateDict, detectCheckpointFormat, CheckpointError } from '../../src/io/state-dict.js';
import { readSafetensors, parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { writeZip } from '../../src/io/pth/zip.js';
import { fixturePath } from '../helpers/shared.js';
import { bytesOf, ioDataPath, tempFile } from './util.js';

const weights = () => readSafetensors(fixturePath('dft_tiny_weights.safetensors')).tensors;

function bits(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

test('dft_tiny.pth: params_ema by default, params on request, 157 tensors in key order', () => {
  const expected = weights();
  const ema = loadStateDict(fixturePath('dft_tiny.pth'));
  assert.equal(ema.format, 'pth');
  assert.equal(ema.sourceKey, 'params_ema');
  assert.deepEqual(ema.availableKeys, ['params', 'params_ema']);
  assert.equal(ema.tensors.size, 157);
  assert.deepEqual([...ema.tensors.keys()], [...expected.keys()]);
  let scaled = 0;
  for (const [k, e] of expected) {
    const t = ema.tensors.get(k)!;
    if (k.endsWith('body.weight')) {
      scaled++;
      assert.ok(bits(t.data).equals(bits(e.data.map((x) => Math.fround(x * (1 - 2 ** -10))))), k);
    } else {
      assert.ok(bits(t.data).equals(bits(e.data)), k);
    }
  }
  assert.ok(scaled > 0);

  const params = loadStateDict(fixturePath('dft_tiny.pth'), { key: 'params' });
  assert.equal(params.sourceKey, 'params');
  assert.deepEqual([...params.tensors.keys()], [...expected.keys()]);
  for (const [k, e] of expected) {
    const t = params.tensors.get(k)!;
    assert.deepEqual(t.shape, e.shape, k);
    assert.ok(bits(t.data).equals(bits(e.data)), k);
  }
});

test('pth -> safetensors round trip keeps every tensor byte for byte', () => {
  const { tensors } = loadStateDict(fixturePath('dft_tiny.pth'), { key: 'params' });
  const bytes = serializeSafetensors(tensors, { source: 'dft_tiny.pth' });
  const back = parseSafetensors(bytes);
  assert.deepEqual([...back.tensors.keys()], [...tensors.keys()]);
  for (const [k, t] of tensors) {
    assert.deepEqual(back.tensors.get(k)!.shape, t.shape);
    assert.ok(bits(back.tensors.get(k)!.data).equals(bits(t.data)), k);
  }
  // Through a file, with the format detected from content despite a misleading extension.
  const path = tempFile('converted.pth', bytes);
  const again = loadStateDict(path);
  assert.equal(again.format, 'safetensors');
  assert.deepEqual(again.metadata, { source: 'dft_tiny.pth' });
  assert.equal(again.tensors.size, 157);
});

test('safetensors files load as state dicts', () => {
  const sd = loadStateDict(fixturePath('dft_tiny_weights.safetensors'));
  assert.equal(sd.format, 'safetensors');
  assert.equal(sd.tensors.size, 157);
  assert.equal(sd.metadata.case, 'dft_tiny_weights');
  assert.deepEqual(sd.availableKeys, []);
  // A flattened wrapper: 'params_ema.<name>'.
  const flat = serializeSafetensors([
    ['params.module.w', { shape: [1], data: new Float32Array([1]) }],
    ['params_ema.module.w', { shape: [1], data: new Float32Array([2]) }],
  ]);
  const path = tempFile('flat.safetensors', flat);
  const picked = loadStateDict(path, { key: 'params_ema' });
  assert.deepEqual([...picked.tensors.keys()], ['w']);
  assert.deepEqual([...picked.tensors.get('w')!.data], [2]);
  assert.throws(() => loadStateDict(path, { key: 'nope' }), /key 'nope' not found: this safetensors file has no tensors named 'nope\.\*'/);
});

test('bare state dicts and DataParallel prefixes', () => {
  const bare = loadStateDict(ioDataPath('bare_module.pth'));
  assert.equal(bare.sourceKey, undefined);
  assert.deepEqual(bare.availableKeys, []);
  assert.deepEqual([...bare.tensors.keys()], ['conv.weight', 'conv.bias']);
  const expected = readSafetensors(ioDataPath('expected.safetensors')).tensors;
  assert.ok(bits(bare.tensors.get('conv.weight')!.data).equals(bits(expected.get('bare.module.conv.weight')!.data)));
  assert.throws(() => loadStateDict(ioDataPath('bare_module.pth'), { key: 'params' }), /key 'params' not found; the checkpoint is a bare state dict/);
});

test('BasicSR layout: params_ema preferred, shared tensors, explicit keys', () => {
  const expected = readSafetensors(ioDataPath('expected.safetensors')).tensors;
  const sd = loadStateDict(ioDataPath('basicsr.pth'));
  assert.equal(sd.sourceKey, 'params_ema');
  assert.ok(bits(sd.tensors.get('w')!.data).equals(bits(expected.get('basicsr.w_ema')!.data)));
  assert.ok(bits(sd.tensors.get('b')!.data).equals(bits(expected.get('basicsr.b')!.data)));
  const p = loadStateDict(ioDataPath('basicsr.pth'), { key: 'params' });
  assert.ok(bits(p.tensors.get('w')!.data).equals(bits(expected.get('basicsr.w')!.data)));
  assert.throws(
    () => loadStateDict(ioDataPath('basicsr.pth'), { key: 'param' }),
    (e: unknown) => e instanceof CheckpointError && e.message.endsWith(`key 'param' not found; available keys: 'params', 'params_ema'`),
  );
  // Only 'params' present: falls back to it. A non-state-dict key is rejected clearly.
  const onlyParams = loadStateDict(ioDataPath('dtypes.pth'));
  assert.equal(onlyParams.sourceKey, 'params');
  assert.throws(() => loadStateDict(ioDataPath('dtypes.pth'), { key: 'iter' }), /key 'iter' is a number, not a state dict/);
  assert.throws(() => loadStateDict(ioDataPath('dtypes.pth'), { key: 'flags' }), /key 'flags' is a list, not a state dict/);
});

test('checkpoints without a state dict say what they hold', () => {
  // {'epoch': 3}
  const pkl = bytesOf('\x80\x02}q\x00X\x05\x00\x00\x00epochq\x01K\x03s.');
  const path = tempFile('nostate.pth', writeZip([['x/data.pkl', pkl], ['x/version', bytesOf('3\n')]]));
  assert.throws(() => loadStateDict(path), /no state dict found: .*available keys: 'epoch'/);
});

test('unknown formats and missing files', () => {
  assert.throws(() => loadStateDict('/nonexistent/model.pth'), (e: unknown) => e instanceof CheckpointError && e.message === '/nonexistent/model.pth: no such checkpoint file');
  const txt = tempFile('notes.pth', 'hello, this is not a checkpoint');
  assert.throws(() => loadStateDict(txt), new RegExp('unknown checkpoint format'));
  const legacy = tempFile('legacy.pth', bytesOf('\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.'));
  assert.equal(detectCheckpointFormat(legacy), 'legacy-pth');
  assert.throws(() => loadStateDict(legacy), /pre-1\.6 torch\.save file/);
  // A safetensors file with a .pth name and a .pth with a .safetensors name are both recognised.
  const pthAsSt = tempFile('renamed.safetensors', readFileSync(ioDataPath('basicsr.pth')));
  assert.equal(loadStateDict(pthAsSt).format, 'pth');
  const copied = tempFile('weights.bin', new Uint8Array(0));
  copyFileSync(fixturePath('dft_tiny_weights.safetensors'), copied);
  assert.equal(detectCheckpointFormat(copied), 'safetensors');
  assert.equal(detectCheckpointFormat(tempFile('empty.pth', new Uint8Array(0))), 'unknown');
});
