import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePth, isStoredTensor } from '../../src/io/pth/load.js';
import { ZipReader } from '../../src/io/pth/zip.js';
import { basicsrCheckpoint, picklePth, serializePth, PthWriteError, PTH_METADATA_KEY, TorchOrderedDict, type PthTensorLike } from '../../src/io/pth/save.js';
import type { StoredTensor } from '../../src/io/safetensors.js';
import { loadModel, saveModelPth } from '../../src/model/checkpoint.js';
import { DFT } from '../../src/model/dft.js';
import { referenceDir, sha256, torchMissing, torchView } from './torch-check.js';

const tiny = { dim: 8, num_blocks: [1, 1, 1, 1] as [number, number, number, number] };

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), `${what}: bytes differ`);
}

/** A seeded model's state dict and a perturbed copy standing in for the EMA weights. */
function weights(seed: number): { params: [string, PthTensorLike][]; ema: [string, PthTensorLike][] } {
  const params = [...new DFT(tiny, { seed }).stateDict()].map(([k, t]): [string, PthTensorLike] => [k, { shape: [...t.shape], data: t.data.slice() }]);
  const ema = params.map(([k, t], j): [string, PthTensorLike] => [k, { shape: t.shape, data: t.data.map((x, i) => Math.fround(x + ((i * 7 + j) % 13) * 1e-3)) }]);
  return { params, ema };
}

/** Values whose bits a lossy writer would change: NaN payloads, -0, ±Infinity, subnormals. */
function oddValues(): Float32Array {
  const u = new Uint32Array([0x7fc00001, 0xffc12345, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x807fffff, 0x3f800000]);
  return new Float32Array(u.buffer);
}

function readBack(bytes: Uint8Array): Map<string, unknown> {
  const root = parsePth(bytes, 'written.pth');
  assert.ok(root instanceof Map);
  return root as Map<string, unknown>;
}

test('what we write, our loader reads back bit-identically under both keys, in order', () => {
  const { params, ema } = weights(3);
  params.push(['odd', { shape: [2, 4], data: oddValues() }], ['scalar', { shape: [], data: new Float32Array([-1.5]) }], ['empty', { shape: [0, 3], data: new Float32Array(0) }]);
  // > 65535 elements (BININT sizes) and > 256 memo entries (LONG_BINPUT/LONG_BINGET).
  params.push(['big', { shape: [3, 100, 300], data: new Float32Array(90000).map((_, i) => Math.sin(i)) }]);
  for (let i = 0; i < 120; i++) params.push([`extra.${i}`, { shape: [1, 2], data: new Float32Array([i, -i]) }]);
  ema.push(...params.slice(ema.length));
  const root = readBack(serializePth(basicsrCheckpoint(params, { paramsEma: ema, metadata: { note: 'ünïcode ✓' } })));
  assert.deepEqual([...root.keys()], ['params', 'params_ema', PTH_METADATA_KEY]);
  for (const [key, expected] of [['params', params], ['params_ema', ema]] as const) {
    const sd = root.get(key) as Map<string, StoredTensor>;
    assert.deepEqual([...sd.keys()], expected.map(([k]) => k), key);
    for (const [k, t] of expected) {
      const got = sd.get(k)!;
      assert.ok(isStoredTensor(got), k);
      assert.equal(got.dtype, 'F32');
      assert.deepEqual(got.shape, [...t.shape], k);
      sameBits(got.data, t.data, `${key}.${k}`);
    }
  }
  assert.deepEqual([...(root.get(PTH_METADATA_KEY) as Map<string, string>)], [['note', 'ünïcode ✓']]);
});

test('without separate EMA weights both keys hold the same tensors, stored once', () => {
  const { params } = weights(5);
  const bytes = serializePth(basicsrCheckpoint(params));
  const root = readBack(bytes);
  assert.deepEqual([...root.keys()], ['params', 'params_ema']);
  const a = root.get('params') as Map<string, StoredTensor>;
  const b = root.get('params_ema') as Map<string, StoredTensor>;
  for (const [k, t] of params) {
    sameBits(a.get(k)!.data, t.data, k);
    sameBits(b.get(k)!.data, t.data, k);
  }
  const zip = ZipReader.fromBuffer(bytes);
  assert.equal(zip.entries.filter((e) => e.name.startsWith('archive/data/')).length, params.length);
});

test('the archive has torch\'s layout: stored entries, 64-byte aligned data, version 3, little-endian', () => {
  const { params } = weights(1);
  const bytes = serializePth(basicsrCheckpoint(params));
  const zip = ZipReader.fromBuffer(bytes);
  const names = zip.entries.map((e) => e.name);
  assert.deepEqual(names, ['archive/data.pkl', 'archive/byteorder', ...params.map((_, i) => `archive/data/${i}`), 'archive/version']);
  assert.equal(new TextDecoder().decode(zip.read('archive/version')), '3\n');
  assert.equal(new TextDecoder().decode(zip.read('archive/byteorder')), 'little');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const e of zip.entries) {
    assert.equal(e.method, 0, `${e.name} is stored, not compressed`);
    const start = e.localHeaderOffset + 30 + dv.getUint16(e.localHeaderOffset + 26, true) + dv.getUint16(e.localHeaderOffset + 28, true);
    assert.equal(start % 64, 0, `${e.name} data starts at ${start}`);
  }
  assert.deepEqual([...zip.read('archive/data/0')], [...new Uint8Array(params[0][1].data.buffer)]);
});

/** Walks a protocol-2 pickle: every opcode, and the GLOBAL names. */
function scanPickle(p: Uint8Array): { ops: Set<string>; globals: Set<string> } {
  const fixed: Record<number, [string, number]> = {
    0x80: ['PROTO', 1], 0x2e: ['STOP', 0], 0x28: ['MARK', 0], 0x71: ['BINPUT', 1], 0x72: ['LONG_BINPUT', 4], 0x68: ['BINGET', 1],
    0x6a: ['LONG_BINGET', 4], 0x7d: ['EMPTY_DICT', 0], 0x29: ['EMPTY_TUPLE', 0], 0x74: ['TUPLE', 0], 0x85: ['TUPLE1', 0],
    0x86: ['TUPLE2', 0], 0x87: ['TUPLE3', 0], 0x73: ['SETITEM', 0], 0x75: ['SETITEMS', 0], 0x4a: ['BININT', 4],
    0x4b: ['BININT1', 1], 0x4d: ['BININT2', 2], 0x4e: ['NONE', 0], 0x88: ['NEWTRUE', 0], 0x89: ['NEWFALSE', 0],
    0x52: ['REDUCE', 0], 0x51: ['BINPERSID', 0],
  };
  const ops = new Set<string>();
  const globals = new Set<string>();
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let i = 0;
  while (i < p.length) {
    const op = p[i++];
    if (op === 0x63) {
      ops.add('GLOBAL');
      const end1 = p.indexOf(10, i);
      const end2 = p.indexOf(10, end1 + 1);
      globals.add(`${Buffer.from(p.subarray(i, end1)).toString()}.${Buffer.from(p.subarray(end1 + 1, end2)).toString()}`);
      i = end2 + 1;
    } else if (op === 0x58) {
      ops.add('BINUNICODE');
      i += 4 + dv.getUint32(i, true);
    } else if (op === 0x8a) {
      ops.add('LONG1');
      i += 1 + p[i];
    } else {
      const f = fixed[op];
      assert.ok(f, `unexpected opcode 0x${op.toString(16)} at ${i - 1}`);
      ops.add(f[0]);
      i += f[1];
      if (op === 0x2e) break;
    }
  }
  assert.equal(i, p.length, 'STOP is the last byte');
  return { ops, globals };
}

test('the pickle uses only globals and opcodes that torch.load(weights_only=True) allows', () => {
  const { params, ema } = weights(2);
  params.push(['many', { shape: [70000], data: new Float32Array(70000) }]);
  ema.push(params[params.length - 1]);
  const root = basicsrCheckpoint(params, { paramsEma: ema, metadata: { config: '{}' } });
  root.set('flags', new Map<string, string | number | boolean | null>([['a', true], ['b', false], ['c', null], ['n', 3_000_000_000], ['m', -5]]));
  const { pickle } = picklePth(root);
  assert.deepEqual([...pickle.subarray(0, 2)], [0x80, 2], 'protocol 2');
  const { ops, globals } = scanPickle(pickle);
  assert.deepEqual([...globals].sort(), ['collections.OrderedDict', 'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2']);
  // torch 1.13's weights_only unpickler implements these (it has no BINFLOAT, SHORT_BINUNICODE or FRAME).
  const allowed = ['PROTO', 'STOP', 'MARK', 'GLOBAL', 'BINPUT', 'LONG_BINPUT', 'BINGET', 'LONG_BINGET', 'EMPTY_DICT', 'EMPTY_TUPLE', 'TUPLE', 'TUPLE1', 'TUPLE2', 'TUPLE3', 'SETITEM', 'SETITEMS', 'BININT', 'BININT1', 'BININT2', 'LONG1', 'BINUNICODE', 'NONE', 'NEWTRUE', 'NEWFALSE', 'REDUCE', 'BINPERSID'];
  for (const op of ops) assert.ok(allowed.includes(op), op);
  const back = readBack(serializePth(root));
  assert.deepEqual([...(back.get('flags') as Map<string, unknown>)], [['a', true], ['b', false], ['c', null], ['n', 3_000_000_000], ['m', -5]]);
});

test('values torch could not read back as written are refused', () => {
  assert.throws(() => serializePth(new Map([['lr', 1e-4]])), (e: unknown) => e instanceof PthWriteError && /checkpoint\['lr'\]: 0\.0001 is not an integer/.test(e.message));
  assert.throws(() => serializePth(new TorchOrderedDict([['w', { shape: [2, 2], data: new Float32Array(3) }]])), /checkpoint\['w'\]: shape \[2,2\] holds 4 elements but the data has 3/);
  assert.throws(() => serializePth(new Map(), { archiveName: 'a/b' }), /archive name/);
  assert.throws(() => basicsrCheckpoint([], { metadata: { n: 1 as unknown as string } }), /metadata 'n' is not a string/);
});

test('saveModelPth → loadModel keeps the weights and the whole config, and refuses to overwrite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dm-pth-save-'));
  const model = new DFT({ ...tiny, residual_from_input: true, d_state: 4 }, { seed: 9 });
  const path = join(dir, 'net_g_1.pth');
  saveModelPth(model.stateDict(), model.config, path, { metadata: { iteration: '1' } });
  const back = loadModel(path);
  assert.equal(back.sourceKey, 'params_ema');
  assert.deepEqual(back.config, model.config, 'residual_from_input is not in the shapes, so it must come from the metadata');
  assert.equal(back.metadata.iteration, '1');
  assert.equal(back.metadata.format, 'diff-mamba');
  for (const [k, t] of model.stateDict()) sameBits(back.model.stateDict().get(k)!.data, t.data, k);
  const before = readFileSync(path);
  assert.throws(() => saveModelPth(model.stateDict(), model.config, path), /output file exists; refusing to overwrite it/);
  assert.ok(readFileSync(path).equals(before));
  saveModelPth(new DFT(tiny).stateDict(), new DFT(tiny).config, path, { overwrite: true });
  assert.equal(loadModel(path).config.residual_from_input, false);
});

test('torch.load(weights_only=True) reads what we wrote with the same values and types', (t) => {
  const why = torchMissing();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'dm-pth-torch-'));
  const { params, ema } = weights(4);
  params.push(['odd', { shape: [2, 4], data: oddValues() }], ['scalar', { shape: [], data: new Float32Array([2.5]) }], ['empty', { shape: [0, 3], data: new Float32Array(0) }]);
  ema.push(...params.slice(ema.length));
  const path = join(dir, 'w.pth');
  writeFileSync(path, serializePth(basicsrCheckpoint(params, { paramsEma: ema, metadata: { config: '{}', note: 'x' } })));
  const v = torchView(path, false);
  assert.equal(v.topType, 'dict');
  assert.deepEqual(v.keys, ['params', 'params_ema', PTH_METADATA_KEY]);
  assert.deepEqual(v.meta, { config: '{}', note: 'x' });
  assert.ok(v.plainLoadAgrees);
  for (const [key, expected] of [['params', params], ['params_ema', ema]] as const) {
    assert.equal(v.dicts[key].type, 'collections.OrderedDict');
    assert.deepEqual(v.dicts[key].entries, expected.map(([k, x]) => [k, [...x.shape], 'torch.float32', true, sha256(x.data)]), key);
  }
});

test('a model saved with saveModelPth loads into the reference PyTorch DFT with strict=True', (t) => {
  const why = torchMissing() ?? (referenceDir() ? null : 'the reference model (../shared/reference/diffmamba_ref.py) is absent');
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'dm-pth-ref-'));
  const model = new DFT({ dim: 8, num_blocks: [1, 2, 1, 2], bias: true, LayerNorm_type: 'BiasFree' }, { seed: 11 });
  const path = join(dir, 'ref.pth');
  saveModelPth(model.stateDict(), model.config, path);
  const v = torchView(path, true);
  assert.equal(v.reference, 'ok');
  assert.deepEqual(v.dicts.params.entries.map((e) => e[4]), [...model.stateDict().values()].map((x) => sha256(x.data)));
});
