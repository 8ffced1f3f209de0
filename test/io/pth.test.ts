import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadPth, parsePth, isStoredTensor, PthError } from '../../src/io/pth/load.js';
import { PickleError } from '../../src/io/pth/pickle.js';
import { ZipError, ZipReader, writeZip, crc32 } from '../../src/io/pth/zip.js';
import { readSafetensors, type StoredTensor } from '../../src/io/safetensors.js';
import { fixturePath } from '../helpers/shared.js';
import { bytesOf, ioDataPath, tempFile } from './util.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** A torch-layout archive around a hand-written pickle. */
function torchZip(pickle: Uint8Array, top = 'archive', extra: [string, Uint8Array][] = []): Uint8Array {
  return writeZip([[`${top}/data.pkl`, pickle], ...extra, [`${top}/version`, enc('3\n')]]);
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), `${what}: values differ`);
}

test('the official-layout fixture loads with every tensor equal to the safetensors weights', () => {
  const root = loadPth(fixturePath('dft_tiny.pth'));
  assert.ok(root instanceof Map);
  assert.deepEqual([...root.keys()], ['params', 'params_ema']);
  const { tensors: expected } = readSafetensors(fixturePath('dft_tiny_weights.safetensors'));
  const params = root.get('params') as Map<string, StoredTensor>;
  const ema = root.get('params_ema') as Map<string, StoredTensor>;
  assert.deepEqual([...params.keys()], [...expected.keys()]);
  assert.deepEqual([...ema.keys()], [...expected.keys()]);
  for (const [k, e] of expected) {
    const p = params.get(k)!;
    assert.ok(isStoredTensor(p));
    assert.equal(p.dtype, 'F32');
    assert.deepEqual(p.shape, e.shape, k);
    sameBits(p.data, e.data, k);
    const q = ema.get(k)!;
    if (k.endsWith('body.weight')) {
      sameBits(q.data, e.data.map((x) => Math.fround(x * (1 - 2 ** -10))), `ema ${k}`);
    } else {
      assert.equal(q, p, `ema ${k} is the memoised tensor object`);
    }
  }
});

test('in-memory and file loading agree', () => {
  const a = loadPth(ioDataPath('basicsr.pth')) as Map<string, Map<string, StoredTensor>>;
  const b = parsePth(readFileSync(ioDataPath('basicsr.pth'))) as Map<string, Map<string, StoredTensor>>;
  assert.deepEqual([...a.get('params')!.get('w')!.data], [...b.get('params')!.get('w')!.data]);
});

test('dtypes, storage offsets, non-contiguous strides and parameters match torch', () => {
  const root = loadPth(ioDataPath('dtypes.pth')) as Map<string, unknown>;
  const { tensors: expected } = readSafetensors(ioDataPath('expected.safetensors'));
  const sd = root.get('params') as Map<string, StoredTensor>;
  const names = [...expected.keys()].filter((k) => k.startsWith('dtypes.')).map((k) => k.slice(7));
  assert.deepEqual([...sd.keys()], names);
  for (const name of names) {
    const e = expected.get(`dtypes.${name}`)!;
    const t = sd.get(name)!;
    assert.deepEqual(t.shape, e.shape, name);
    sameBits(t.data, e.data, name);
  }
  const dt = Object.fromEntries([...sd].map(([k, t]) => [k, t.dtype]));
  assert.deepEqual(dt, {
    f32: 'F32', f16: 'F16', bf16: 'BF16', f64: 'F64', i64: 'I64', i32: 'I32', u8: 'U8', bool: 'BOOL', scalar: 'F32', empty: 'F32',
    offset: 'F32', transposed: 'F32', sliced: 'F32', permuted_f16: 'F16', expanded: 'F32', bf16_view: 'BF16', param: 'F32',
  });
  assert.deepEqual(sd.get('scalar')!.shape, []);
  assert.deepEqual(sd.get('empty')!.shape, [0, 3]);
  // Plain python values survive as plain JS values.
  assert.equal(root.get('note'), 'io test');
  assert.equal(root.get('iter'), 7);
  assert.equal(root.get('lr'), 1e-4);
  assert.deepEqual(root.get('flags'), [true, null, [1, 2]]);
  assert.ok(Object.isFrozen((root.get('flags') as unknown[])[2]), 'tuples are frozen arrays');
});

test('entries under any top folder name are found', () => {
  const root = loadPth(ioDataPath('bare_module.pth')) as Map<string, StoredTensor>;
  assert.deepEqual([...root.keys()], ['module.conv.weight', 'module.conv.bias']);
});

test('a pickle calling os.system is refused without running anything', () => {
  const evil = bytesOf('\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.');
  const path = tempFile('evil.pth', torchZip(evil));
  assert.throws(() => loadPth(path), (e: unknown) => {
    assert.ok(e instanceof PickleError);
    assert.equal(e.message, `refusing to load ${path}: pickle references the global 'os.system', which is not a tensor or a plain container; loading it would run code`);
    return true;
  });
  // The same through STACK_GLOBAL (protocol 4) and for other classic payloads.
  const stackGlobal = bytesOf('\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94.');
  assert.throws(() => parsePth(torchZip(stackGlobal), 'x.pth'), /global 'builtins\.eval'.*would run code/);
  for (const g of ['posix\nsystem', 'subprocess\nPopen', 'torch\nload', 'collections\ndefaultdict', 'torch._utils\n_rebuild_tensor']) {
    assert.throws(() => parsePth(torchZip(bytesOf(`\x80\x02c${g}\n.`)), 'x.pth'), /refusing to load x\.pth: pickle references the global/);
  }
});

test('a bad opcode names the byte and the offset', () => {
  const bad = bytesOf('\x80\x02}q\x00\xff.');
  assert.throws(() => parsePth(torchZip(bad), 'bad.pth'), (e: unknown) => {
    assert.ok(e instanceof PickleError);
    assert.match(e.message, /^bad\.pth: unknown pickle opcode 0xff at offset 5 \(corrupt data or not a pickle\)$/);
    return true;
  });
  // Known but refused opcodes (INST, EXT1) are named.
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02\x82\x01.')), 'x.pth'), /0x82 \(EXT1\) at offset 2/);
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02(ios\nsystem\n.')), 'x.pth'), /0x69 'i' \(INST\) at offset 3/);
  // Truncation, stack underflow and memo misses.
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02X\xff\x00\x00\x00ab')), 'x.pth'), /pickle data ends after .* \(truncated or corrupt\)/);
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02}')), 'x.pth'), /without a STOP opcode/);
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02s.')), 'x.pth'), /stack underflow/);
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02h\x05.')), 'x.pth'), /memo entry 5 was never stored/);
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02K\x01)R.')), 'x.pth'), /REDUCE calls a number, which is not callable/);
  assert.throws(() => parsePth(torchZip(bytesOf('\x80\x02ctorch\nFloatStorage\n)R.')), 'x.pth'), /global 'torch\.FloatStorage' cannot be called/);
});

test('storage problems are reported', () => {
  // _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 4), 0, (8,), (1,), False, OrderedDict())
  const head = '\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00';
  const tail = '\x89ccollections\nOrderedDict\n)RtR.';
  const pkl = (size: string, stride: string) => bytesOf(`${head}${size}${stride}${tail}`);
  const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  const ok = parsePth(torchZip(pkl('K\x02K\x02\x86', 'K\x01K\x02\x86'), 'a', [['a/data/0', data]]), 'x.pth') as StoredTensor;
  assert.deepEqual([...ok.data], [1, 3, 2, 4]);
  assert.throws(() => parsePth(torchZip(pkl('K\x08\x85', 'K\x01\x85'), 'a', [['a/data/0', data]]), 'x.pth'), /storage '0' has 4 elements but the view .* reaches element 7/);
  assert.throws(() => parsePth(torchZip(pkl('K\x02\x85', 'K\x01\x85'), 'a'), 'x.pth'), /references storage '0' but the archive has no entry 'a\/data\/0'/);
  assert.throws(() => parsePth(torchZip(pkl('K\x02\x85', 'K\x01\x85'), 'a', [['a/data/0', data.subarray(0, 8)]]), 'x.pth'), /should hold 4 F32 elements \(16 bytes\) but its entry has 8 bytes/);
  // Big-endian archives are byte-swapped.
  const be = new Uint8Array(16);
  const dv = new DataView(be.buffer);
  [1, 2, 3, 4].forEach((v, i) => dv.setFloat32(i * 4, v, false));
  const swapped = parsePth(torchZip(pkl('K\x04\x85', 'K\x01\x85'), 'a', [['a/data/0', be], ['a/byteorder', enc('big')]]), 'x.pth') as StoredTensor;
  assert.deepEqual([...swapped.data], [1, 2, 3, 4]);
});

test('archives that are not torch checkpoints', () => {
  assert.throws(() => parsePth(writeZip([['foo.txt', enc('hi')]]), 'x.pth'), (e: unknown) => e instanceof PthError && /no '<top>\/data\.pkl' entry/.test(e.message));
  assert.throws(() => parsePth(writeZip([['m/constants.pkl', enc('')], ['m/code/m.py', enc('')]]), 'x.pt'), /TorchScript archive/);
});

test('truncated and corrupt zips give clear errors', () => {
  const good = readFileSync(ioDataPath('basicsr.pth'));
  for (const cut of [10, 100, good.length - 30, good.length - 1]) {
    const path = tempFile('truncated.pth', good.subarray(0, cut));
    assert.throws(() => loadPth(path), (e: unknown) => {
      assert.ok(e instanceof ZipError, String(e));
      assert.ok(e.message.startsWith(`${path}: `), e.message);
      assert.match(e.message, /truncated/);
      return true;
    });
  }
  // Corrupt the first central directory entry's signature.
  const zip = ZipReader.fromBuffer(good);
  const cdOffset = good.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.close();
  const bad = Buffer.from(good);
  bad[cdOffset + 2] = 0x09;
  const path = tempFile('corrupt-cd.pth', bad);
  assert.throws(
    () => loadPth(path),
    (e: unknown) => e instanceof ZipError && e.message === `${path}: central directory entry 0 at offset ${cdOffset} has a bad signature (corrupt central directory)`,
  );
  // A flipped byte inside a stored entry fails its CRC.
  const flipped = Buffer.from(good);
  const pklStart = flipped.indexOf(Buffer.from([0x80, 0x02]));
  flipped[pklStart + 3] ^= 0xff;
  assert.throws(() => parsePth(flipped, 'flip.pth'), /flip\.pth: entry 'basicsr\/data\.pkl' fails its CRC check/);
  // Central directory pointing past its end record.
  const wild = Buffer.from(good);
  const eocd = wild.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const loc = wild.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
  wild[loc] = 0; // hide the ZIP64 locator so the classic record is used
  wild.writeUInt32LE(wild.length, eocd + 16);
  assert.throws(() => parsePth(wild, 'wild.pth'), /wild\.pth: central directory .* runs past its end record/);
  assert.throws(() => loadPth('/nonexistent/a.pth'), /\/nonexistent\/a\.pth: cannot read file \(ENOENT\)/);
});

test('the zip reader handles deflate, ZIP64 records and checks CRCs', async () => {
  const { deflateRawSync } = await import('node:zlib');
  const payload = enc('hello hello hello hello deflate');
  const stored = writeZip([['a.txt', payload]]);
  // Rewrite the single stored entry as deflated (method 8).
  const comp = deflateRawSync(payload);
  const local = Buffer.from(stored);
  const nameLen = local.readUInt16LE(26);
  const extraLen = local.readUInt16LE(28);
  const dataStart = 30 + nameLen + extraLen;
  const rebuilt = Buffer.concat([local.subarray(0, dataStart), comp]);
  rebuilt.writeUInt16LE(8, 8);
  rebuilt.writeUInt32LE(comp.length, 18);
  const cd = Buffer.alloc(46 + nameLen);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(20, 6);
  cd.writeUInt16LE(8, 10);
  cd.writeUInt32LE(crc32(payload), 16);
  cd.writeUInt32LE(comp.length, 20);
  cd.writeUInt32LE(payload.length, 24);
  cd.writeUInt16LE(nameLen, 28);
  Buffer.from('a.txt').copy(cd, 46);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(rebuilt.length, 16);
  const deflated = Buffer.concat([rebuilt, cd, end]);
  assert.deepEqual(Buffer.from(ZipReader.fromBuffer(deflated).read('a.txt')).toString(), 'hello hello hello hello deflate');
  const broken = Buffer.from(deflated);
  broken[dataStart] ^= 0x55;
  assert.throws(() => ZipReader.fromBuffer(broken, 'b.zip').read('a.txt'), /b\.zip: entry 'a\.txt' (does not inflate|inflates to|fails its CRC)/);
  // Our writer's 64-byte alignment, like torch.
  const z = ZipReader.fromBuffer(writeZip([['x/data/0', new Uint8Array(5)], ['x/data/1', new Uint8Array(7)]]));
  for (const e of z.entries) {
    const h = z.read(e);
    assert.equal(h.length, e.uncompressedSize);
  }
  // ZIP64 extra fields and end records (as written for > 4 GiB checkpoints).
  const files: [string, Uint8Array][] = [['big/data.pkl', new Uint8Array([1, 2, 3])], ['big/data/0', new Uint8Array(100).fill(7)]];
  const z64 = ZipReader.fromBuffer(writeZip(files, { forceZip64: true }), 'z64.zip');
  assert.deepEqual(z64.entries.map((e) => [e.name, e.uncompressedSize, e.compressedSize]), [['big/data.pkl', 3, 3], ['big/data/0', 100, 100]]);
  assert.deepEqual([...z64.read('big/data/0')], [...files[1][1]]);
  // torch's own archives carry ZIP64 end records; the fixture exercises that path.
  const fx = ZipReader.open(fixturePath('dft_tiny.pth'));
  assert.equal(fx.entries.length, 173);
  fx.close();
});
