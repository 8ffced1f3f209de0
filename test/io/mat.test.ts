import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MatError, matGet, matIndex, readMat, toRowMajor, type MatArray } from '../../src/io/mat.js';
import { ioDataPath, tempFile } from './util.js';

/** Files written by test/io/data/mat/make_mat.py with scipy (and by hand, as MATLAB writes). */
const mat = (name: string) => ioDataPath(`mat/${name}`);

interface Dump {
  shape: number[];
  dtype: string;
  F: (number | string)[];
  C?: number[];
}
const expected = JSON.parse(readFileSync(mat('expected.json'), 'utf8')) as {
  blocks: Dump;
  other: Dump;
  numeric: Record<string, Dump>;
  matlab_style: Record<string, Dump>;
  ok: Dump;
  ok2: Dump;
};

const CLASS_OF: Record<string, string> = {
  float64: 'double',
  float32: 'single',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
};

/** Every value equal (floats bit-exact via the Python repr; -0 kept), in column-major order. */
function check(arr: MatArray | undefined, want: Dump, what: string, cls = CLASS_OF[want.dtype]): void {
  assert.ok(arr, `${what} missing`);
  assert.equal(arr.class, cls, `${what} class`);
  assert.deepEqual(arr.dims, want.shape, `${what} dims`);
  assert.equal(arr.data.length, want.F.length, `${what} length`);
  for (let i = 0; i < want.F.length; i++) {
    const w = typeof want.F[i] === 'string' ? Number(want.F[i]) : (want.F[i] as number);
    const got = Number(arr.data[i]);
    assert.ok(Object.is(got, w), `${what}[${i}] (column-major) = ${got}, expected ${w}`);
  }
}

for (const file of ['blocks_z.mat', 'blocks_raw.mat']) {
  test(`${file}: a uint8 (2,3,8,8,3) block array reads element for element`, () => {
    const vars = readMat(mat(file));
    assert.deepEqual([...vars.keys()].sort(), ['blocks', 'other']);
    const blocks = vars.get('blocks')!;
    check(blocks, expected.blocks, 'blocks');
    assert.ok(blocks.data instanceof Uint8Array);
    check(vars.get('other'), expected.other, 'other');
    // Row-major copy = numpy's C order; element access by (i0, …, i4).
    assert.deepEqual(Array.from(toRowMajor(blocks.dims, blocks.data)), expected.blocks.C);
    const C = expected.blocks.C!;
    const [, d1, d2, d3, d4] = blocks.dims;
    for (const idx of [
      [0, 0, 0, 0, 0],
      [1, 2, 7, 7, 2],
      [1, 0, 3, 5, 1],
      [0, 2, 6, 1, 0],
    ]) {
      const rowMajor = (((idx[0] * d1 + idx[1]) * d2 + idx[2]) * d3 + idx[3]) * d4 + idx[4];
      assert.equal(matGet(blocks, ...idx), C[rowMajor], `blocks(${idx.join(',')})`);
    }
  });
}

test('only the variables asked for are decoded, in file order; a missing one is named', () => {
  for (const file of ['blocks_z.mat', 'blocks_raw.mat']) {
    const only = readMat(mat(file), { variables: ['other'] });
    assert.deepEqual([...only.keys()], ['other']);
    check(only.get('other'), expected.other, 'other');
  }
  assert.throws(
    () => readMat(mat('numeric.mat'), { variables: ['d', 'nope'] }),
    (e: Error) => e instanceof MatError && /numeric\.mat/.test(e.message) && /no variable 'nope'/.test(e.message) && /'long_variable_name_here'/.test(e.message),
  );
});

for (const file of ['numeric.mat', 'numeric_z.mat']) {
  test(`${file}: double, single, int8/16/32, uint16/32, scalar, empty and short (small-element) names`, () => {
    const vars = readMat(mat(file));
    assert.deepEqual([...vars.keys()], Object.keys(expected.numeric));
    for (const [name, want] of Object.entries(expected.numeric)) check(vars.get(name), want, `${file}:${name}`);
    assert.ok(vars.get('d')!.data instanceof Float64Array);
    assert.ok(vars.get('s')!.data instanceof Float32Array);
    assert.ok(vars.get('i16')!.data instanceof Int16Array);
    assert.ok(vars.get('i32')!.data instanceof Int32Array);
    assert.equal(matGet(vars.get('i32')!, 1, 2, 3), 17); // numpy arange(-6, 18).reshape(2, 3, 4)[1, 2, 3]
  });
}

test('MATLAB-style storage: doubles stored as uint8/int16 (and in a small element) come back as double', () => {
  const vars = readMat(mat('matlab_style.mat'));
  for (const [name, want] of Object.entries(expected.matlab_style)) {
    check(vars.get(name), want, name, 'double');
    assert.ok(vars.get(name)!.data instanceof Float64Array, `${name} is a Float64Array`);
  }
});

test('structs, cells, complex, sparse and char arrays give an unsupported error naming the variable; others still read', () => {
  for (const [name, kind] of [
    ['st', 'struct'],
    ['ce', 'cell array'],
    ['cx', 'complex double'],
    ['sp', 'sparse matrix'],
    ['ch', 'char array'],
  ]) {
    assert.throws(
      () => readMat(mat('unsupported.mat'), { variables: [name] }),
      (e: Error) => e instanceof MatError && e.message.includes(`variable '${name}'`) && e.message.includes(`unsupported MATLAB type (${kind})`) && e.message.includes('unsupported.mat'),
      name,
    );
  }
  assert.throws(() => readMat(mat('unsupported.mat')), /variable 'st': unsupported/);
  const ok = readMat(mat('unsupported.mat'), { variables: ['ok2', 'ok'] });
  check(ok.get('ok'), expected.ok, 'ok');
  check(ok.get('ok2'), expected.ok2, 'ok2');
});

test('truncated files name the file and the variable', () => {
  for (const file of ['blocks_raw.mat', 'blocks_z.mat']) {
    const bytes = readFileSync(mat(file));
    // Cut inside the 'blocks' element (the last in blocks_raw; the first in blocks_z).
    const cut = file === 'blocks_raw.mat' ? bytes.length - 100 : 128 + 600;
    const p = tempFile(`cut_${file}`, bytes.subarray(0, cut));
    assert.throws(
      () => readMat(p),
      (e: Error) => e instanceof MatError && e.message.includes(p) && /truncated/.test(e.message) && e.message.includes("variable 'blocks'"),
      file,
    );
  }
  const short = tempFile('short.mat', readFileSync(mat('numeric.mat')).subarray(0, 100));
  assert.throws(() => readMat(short), (e: Error) => e instanceof MatError && e.message.includes(short) && /not a MAT-file/.test(e.message));
  // Corrupt compressed payload.
  const z = Buffer.from(readFileSync(mat('blocks_z.mat')));
  z.fill(0x55, 128 + 300, 128 + 340);
  const bad = tempFile('bad_z.mat', z);
  assert.throws(() => readMat(bad), (e: Error) => e instanceof MatError && e.message.includes(bad) && e.message.includes("'blocks'"));
});

test('a real part that does not fit its dimensions is reported', () => {
  const b = Buffer.from(readFileSync(mat('matlab_style.mat')));
  // First variable: tag at 128, flags element 136..152, dims element 152..168 (values at 160, 164).
  assert.equal(b.readInt32LE(164), 3);
  b.writeInt32LE(4, 164);
  const p = tempFile('misfit.mat', b);
  assert.throws(() => readMat(p), (e: Error) => e instanceof MatError && e.message.includes("variable 'dbl_u8'") && /holds 6 bytes.*need 8/.test(e.message));
});

test('v7.3 (HDF5), bare HDF5, big-endian and v4-like files are refused clearly', () => {
  const header = (text: string, version: number, endian: string) => {
    const h = Buffer.alloc(128, 0x20);
    h.write(text, 0, 'latin1');
    h.fill(0, 116, 124);
    if (endian === 'IM') h.writeUInt16LE(version, 124);
    else h.writeUInt16BE(version, 124);
    h.write(endian, 126, 'latin1');
    return h;
  };
  const hdf5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v73 = Buffer.concat([header('MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 1 2024 HDF5 schema 1.00 .', 0x0200, 'IM'), Buffer.alloc(384), hdf5, Buffer.alloc(64)]);
  for (const [name, bytes] of [
    ['v73.mat', v73],
    ['bare.h5', Buffer.concat([hdf5, Buffer.alloc(200)])],
  ] as const) {
    const p = tempFile(name, bytes);
    assert.throws(() => readMat(p), (e: Error) => e instanceof MatError && e.message.includes(p) && e.message.includes('MATLAB v7.3 files are HDF5; re-save with -v7 or convert'), name);
  }
  const be = tempFile('be.mat', Buffer.concat([header('MATLAB 5.0 MAT-file, Platform: SOL2', 0x0100, 'MI'), Buffer.alloc(16)]));
  assert.throws(() => readMat(be), /big-endian MAT-files are not supported/);
  const v4 = tempFile('v4.mat', Buffer.alloc(300, 1));
  assert.throws(() => readMat(v4), /not a MAT v5 file/);
  assert.throws(() => readMat(tempFile('nothing-here', '')), /not a MAT-file/);
});

test('matIndex / toRowMajor', () => {
  assert.equal(matIndex([2, 3, 4], [1, 2, 3]), 1 + 2 * (2 + 3 * 3));
  assert.equal(matIndex([2, 3], [1]), 1);
  assert.throws(() => matIndex([2, 3], [2, 0]), RangeError);
  assert.throws(() => matIndex([2, 3], [0, 0, 1]), RangeError);
  // MATLAB [1 2 3; 4 5 6] is stored 1 4 2 5 3 6.
  assert.deepEqual(Array.from(toRowMajor([2, 3], Float64Array.from([1, 4, 2, 5, 3, 6]))), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(toRowMajor([0, 3], new Int16Array(0))), []);
  assert.throws(() => toRowMajor([2, 2], new Uint8Array(3)), RangeError);
});
