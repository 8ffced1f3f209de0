import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  SafetensorsError,
  floatToHalf,
  halfToFloat,
  floatToBf16,
  bf16ToFloat,
  decodeLittleEndian,
} from '../../src/io/safetensors.js';
import { fixturePath } from '../helpers/shared.js';
import { tempFile } from './util.js';

/** Builds a safetensors file from a header object and a data section. */
function craft(header: unknown, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('reads the shared fixture and round-trips it byte for byte', () => {
  const path = fixturePath('dft_tiny_weights.safetensors');
  const { tensors, metadata } = readSafetensors(path);
  assert.equal(tensors.size, 157);
  assert.equal(metadata.case, 'dft_tiny_weights');
  const again = parseSafetensors(serializeSafetensors(tensors, metadata));
  assert.deepEqual([...again.tensors.keys()], [...tensors.keys()]);
  for (const [k, t] of tensors) {
    const u = again.tensors.get(k)!;
    assert.deepEqual(u.shape, t.shape);
    assert.deepEqual(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), k);
  }
  assert.deepEqual(again.metadata, metadata);
  // Identical to the fixture's own data section (same dtype, order and contiguous offsets).
  const raw = readFileSync(path);
  const ours = serializeSafetensors(tensors, metadata);
  const n1 = Number(raw.readBigUInt64LE(0));
  const n2 = Number(Buffer.from(ours).readBigUInt64LE(0));
  assert.deepEqual(Buffer.from(ours.subarray(8 + n2)), raw.subarray(8 + n1));
});

test('serialized header is space padded to a multiple of 8 and valid JSON', () => {
  for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
    const out = serializeSafetensors([[name, { shape: [2], data: new Float32Array([1, 2]) }]], { k: 'v' });
    const n = Number(Buffer.from(out).readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const text = Buffer.from(out.subarray(8, 8 + n)).toString('utf8');
    assert.match(text, /^\{.*\} *$/);
    const h = JSON.parse(text);
    assert.deepEqual(h.__metadata__, { k: 'v' });
    assert.deepEqual(h[name], { dtype: 'F32', shape: [2], data_offsets: [0, 8] });
  }
  const empty = serializeSafetensors([]);
  assert.equal(empty.length, 16);
  assert.deepEqual(parseSafetensors(empty).tensors.size, 0);
});

test('writes and reads other dtypes', () => {
  const v = new Float32Array([0, 1.5, -2.25, 65504, 1e-7, -0]);
  const out = serializeSafetensors([
    ['h', { shape: [6], data: v, dtype: 'F16' }],
    ['b', { shape: [2, 3], data: v, dtype: 'BF16' }],
    ['d', { shape: [6], data: v, dtype: 'F64' }],
    ['l', { shape: [3], data: new Float32Array([-5, 7, 2 ** 40]), dtype: 'I64' }],
    ['u', { shape: [2], data: new Float32Array([3, 255]), dtype: 'U8' }],
  ]);
  const { tensors } = parseSafetensors(out);
  assert.deepEqual([...tensors.get('h')!.data], [...v].map((x) => halfToFloat(floatToHalf(x))));
  assert.deepEqual([...tensors.get('b')!.data], [...v].map((x) => bf16ToFloat(floatToBf16(x))));
  assert.deepEqual([...tensors.get('d')!.data], [...v]);
  assert.deepEqual([...tensors.get('l')!.data], [-5, 7, 2 ** 40]);
  assert.deepEqual([...tensors.get('u')!.data], [3, 255]);
  assert.equal(tensors.get('h')!.dtype, 'F16');
});

test('half and bfloat16 conversions round to nearest even', () => {
  assert.equal(floatToHalf(1), 0x3c00);
  assert.equal(floatToHalf(65504), 0x7bff);
  assert.equal(floatToHalf(65520), 0x7c00); // rounds to infinity
  assert.equal(floatToHalf(2 ** -24), 0x0001);
  assert.equal(floatToHalf(2 ** -25), 0x0000); // tie to even
  assert.equal(floatToHalf(3 * 2 ** -25), 0x0002);
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00);
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  assert.equal(floatToBf16(1), 0x3f80);
  assert.equal(floatToBf16(1 + 2 ** -8), 0x3f80); // tie to even
  assert.equal(floatToBf16(1 + 3 * 2 ** -8), 0x3f82);
  for (let h = 0; h < 0x7c00; h += 37) assert.equal(floatToHalf(halfToFloat(h)), h);
});

test('decodes F32 from unaligned offsets', () => {
  const src = new Float32Array([1.25, -3, 7e-20]);
  const buf = new Uint8Array(13);
  buf.set(new Uint8Array(src.buffer), 1);
  assert.deepEqual([...decodeLittleEndian(buf.subarray(1), 'F32', 3)], [...src]);
  const f16 = new Uint8Array([0, 0x00, 0x3c, 0x00, 0xc0]);
  assert.deepEqual([...decodeLittleEndian(f16.subarray(1), 'F16', 2)], [1, -2]);
});

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  const path = tempFile('bad.safetensors', bytes);
  assert.throws(() => readSafetensors(path), (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, String(e));
    assert.ok(e.message.startsWith(path), e.message);
    assert.match(e.message, pattern);
    return true;
  });
  assert.throws(() => parseSafetensors(bytes), pattern);
}

test('malformed safetensors give clear errors', () => {
  const eight = new Uint8Array(8);
  expectError(new Uint8Array(3), /too short for a header length/);
  expectError(craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, eight, 1n << 40n), /header length 1099511627776 points past the end/);
  expectError(craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, eight, 0xffffffffffffffffn), /points past the end/);
  expectError(craft({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, eight), /outside the 8-byte data section/);
  expectError(craft({ a: { dtype: 'F17', shape: [2], data_offsets: [0, 8] } }, eight), /tensor 'a' has unsupported dtype "F17"/);
  expectError(craft({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight), /has 8 bytes but shape \[3\] of F32 needs 12/);
  expectError(craft({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, eight), /invalid shape/);
  expectError(craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, eight), /invalid data_offsets/);
  expectError(craft([1, 2], eight), /not a JSON object/);
  expectError(craft({ a: 5 }, eight), /not an object/);
  expectError(craft({ __metadata__: { a: 1 } }, new Uint8Array(0)), /__metadata__ value for 'a'/);
  expectError(
    craft(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    ),
    /tensor 'b' data \[4, 12\) overlaps tensor 'a' data \[0, 8\)/,
  );
  expectError(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight), /gap of unreferenced bytes \[0, 4\)/);
  expectError(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, eight), /cover only 4/);
  const bad = craft({ a: 1 }, eight);
  bad[9] = 0xff;
  expectError(bad, /not valid UTF-8 JSON/);
});

test('missing file names the path', () => {
  assert.throws(() => readSafetensors('/nonexistent/x.safetensors'), /\/nonexistent\/x\.safetensors: cannot read file \(ENOENT\)/);
});

test('serializeSafetensors rejects inconsistent input', () => {
  assert.throws(() => serializeSafetensors([['a', { shape: [3], data: new Float32Array(2) }]]), /shape \[3\] \(3 values\) but 2 values/);
  assert.throws(() => serializeSafetensors([['a', { shape: [1], data: new Float32Array(1) }], ['a', { shape: [1], data: new Float32Array(1) }]]), /given twice/);
  assert.throws(() => serializeSafetensors([], { a: 1 as unknown as string }), /must be a string/);
});
