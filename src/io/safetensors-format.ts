// The safetensors format over bytes (parse, serialize, dtype conversions): no file access, so
// it runs in a browser too. Reading files is io/safetensors.ts.
import { FIXED_LIMITS, limit, showName, showValue } from './limits.js';

/** The dtypes we read; every one is converted to float32 on load. */
export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'U16' | 'U32' | 'U64' | 'BOOL';

export interface StoredTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /**
   * The values, converted to float32 (integers and halves widened). Integers above 2^24 in
   * magnitude lose precision; checkpoints only hold such values in counters, if at all.
   */
  data: Float32Array;
}

export const ITEM_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  U16: 2,
  U32: 4,
  U64: 8,
  BOOL: 1,
};

/** Python's safetensors refuses headers above this size; so do we, before allocating anything. */
const MAX_HEADER_BYTES = 100_000_000;

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class SafetensorsError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ITEM_SIZE, s);
}

export function checkHeaderLength(headerLen: bigint, fileBytes: number, where: string): number {
  if (headerLen > BigInt(fileBytes - 8)) throw new SafetensorsError(where, `header length ${headerLen} points past the end of the ${fileBytes}-byte file (not a safetensors file, or truncated)`);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(where, `header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLen < 2n) throw new SafetensorsError(where, `header length ${headerLen} is too small to hold a JSON object`);
  return Number(headerLen);
}

/** Parses and validates a safetensors buffer; names keep the header's order. */
export function parseSafetensors(buf: Uint8Array, where = 'safetensors'): { tensors: Map<string, StoredTensor>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new SafetensorsError(where, `file is ${buf.length} bytes, too short for a header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = checkHeaderLength(view.getBigUint64(0, true), buf.length, where);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(where, `header is not valid UTF-8 JSON (${showName((e as Error).message, 160)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(where, 'header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;

  interface Entry {
    name: string;
    dtype: SafetensorsDtype;
    shape: number[];
    count: number;
    begin: number;
    end: number;
  }
  const entries: Entry[] = [];
  let metadata: Record<string, string> = {};
  const maxValues = limit('maxCheckpointValues');
  let values = 0;
  const names = Object.keys(header as Record<string, unknown>);
  if (names.length > FIXED_LIMITS.checkpointTensors + 1) throw new SafetensorsError(where, `header lists ${names.length} tensors, more than the limit of ${FIXED_LIMITS.checkpointTensors}`);
  for (const [rawName, raw] of Object.entries(header as Record<string, unknown>)) {
    if (rawName === '__metadata__') {
      metadata = checkMetadata(raw, where);
      continue;
    }
    const name = showName(rawName);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError(where, `tensor '${name}' has a header entry that is not an object`);
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype;
    if (!isSafetensorsDtype(dtype)) throw new SafetensorsError(where, `tensor '${name}' has unsupported dtype ${typeof dtype === 'string' ? JSON.stringify(showName(dtype, 40)) : showValue(dtype)} (supported: ${Object.keys(ITEM_SIZE).join(', ')})`);
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.length > FIXED_LIMITS.tensorDims || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) throw new SafetensorsError(where, `tensor '${name}' has an invalid shape ${showValue(shape, { maxItems: 8 })}${Array.isArray(shape) && shape.length > FIXED_LIMITS.tensorDims ? ` (more than ${FIXED_LIMITS.tensorDims} dimensions)` : ''}`);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) throw new SafetensorsError(where, `tensor '${name}' has invalid data_offsets ${showValue(offs)}`);
    const [begin, end] = offs as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLen) throw new SafetensorsError(where, `tensor '${name}' data [${begin}, ${end}) lies outside the ${dataLen}-byte data section`);
    if (!Number.isSafeInteger(count) || end - begin !== count * ITEM_SIZE[dtype]) throw new SafetensorsError(where, `tensor '${name}' has ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${dtype} needs ${count * ITEM_SIZE[dtype]}`);
    values += count;
    if (values > maxValues) throw new SafetensorsError(where, `the tensors hold more than ${maxValues} values, the limit (DIFF_MAMBA_MAX_CHECKPOINT_VALUES; docs/limits.md)`);
    entries.push({ name: rawName, dtype, shape: shape as number[], count, begin, end });
  }

  // Like the reference implementation: the byte ranges, sorted, must tile the data section exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i];
    if (e.begin < covered) {
      const prev = sorted[i - 1];
      throw new SafetensorsError(where, `tensor '${showName(e.name)}' data [${e.begin}, ${e.end}) overlaps tensor '${showName(prev.name)}' data [${prev.begin}, ${prev.end})`);
    }
    if (e.begin > covered) throw new SafetensorsError(where, `data section has a gap of unreferenced bytes [${covered}, ${e.begin}) before tensor '${showName(e.name)}'`);
    covered = e.end;
  }
  if (covered !== dataLen) throw new SafetensorsError(where, `data section is ${dataLen} bytes but the tensors cover only ${covered} (trailing bytes [${covered}, ${dataLen}))`);

  const tensors = new Map<string, StoredTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeLittleEndian(buf.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, e.count) });
  }
  return { tensors, metadata };
}

function checkMetadata(raw: unknown, where: string): Record<string, string> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError(where, '__metadata__ is not a JSON object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new SafetensorsError(where, `__metadata__ value for '${showName(k)}' is ${showValue(v)}, not a string`);
    out[k] = v;
  }
  return out;
}

let halfTable: Float32Array | undefined;

/** Converts little-endian raw values of `dtype` to float32. Shared with the .pth loader. */
export function decodeLittleEndian(bytes: Uint8Array, dtype: SafetensorsDtype, count: number): Float32Array {
  const out = new Float32Array(count);
  if (count === 0) return out;
  const item = ITEM_SIZE[dtype];
  if (bytes.byteLength < count * item) throw new RangeError(`need ${count * item} bytes for ${count} ${dtype} values, got ${bytes.byteLength}`);
  if (!LITTLE_ENDIAN_HOST) return decodeWithDataView(bytes, dtype, count, out);
  // One copy into fresh, aligned memory, then reinterpret: works for any source offset.
  const aligned = (): ArrayBuffer => {
    const copy = new Uint8Array(count * item);
    copy.set(bytes.subarray(0, count * item));
    return copy.buffer;
  };
  switch (dtype) {
    case 'F32':
      new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4));
      break;
    case 'F64':
      out.set(new Float64Array(aligned()));
      break;
    case 'F16': {
      const table = (halfTable ??= buildHalfTable());
      const src = new Uint16Array(aligned());
      for (let i = 0; i < count; i++) out[i] = table[src[i]];
      break;
    }
    case 'BF16': {
      const src = new Uint16Array(aligned());
      const dst = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) dst[i] = src[i] << 16;
      break;
    }
    case 'I64': {
      const src = new Int32Array(aligned());
      for (let i = 0; i < count; i++) out[i] = src[2 * i + 1] * 4294967296 + (src[2 * i] >>> 0);
      break;
    }
    case 'U64': {
      const src = new Uint32Array(aligned());
      for (let i = 0; i < count; i++) out[i] = src[2 * i + 1] * 4294967296 + src[2 * i];
      break;
    }
    case 'I32':
      out.set(new Int32Array(aligned()));
      break;
    case 'U32':
      out.set(new Uint32Array(aligned()));
      break;
    case 'I16':
      out.set(new Int16Array(aligned()));
      break;
    case 'U16':
      out.set(new Uint16Array(aligned()));
      break;
    case 'I8':
      out.set(new Int8Array(bytes.buffer, bytes.byteOffset, count));
      break;
    case 'U8':
      out.set(bytes.subarray(0, count));
      break;
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = bytes[i] ? 1 : 0;
      break;
  }
  return out;
}

function decodeWithDataView(bytes: Uint8Array, dtype: SafetensorsDtype, count: number, out: Float32Array): Float32Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F32': out[i] = v.getFloat32(i * 4, true); break;
      case 'F64': out[i] = v.getFloat64(i * 8, true); break;
      case 'F16': out[i] = halfToFloat(v.getUint16(i * 2, true)); break;
      case 'BF16': out[i] = bf16ToFloat(v.getUint16(i * 2, true)); break;
      case 'I64': out[i] = Number(v.getBigInt64(i * 8, true)); break;
      case 'U64': out[i] = Number(v.getBigUint64(i * 8, true)); break;
      case 'I32': out[i] = v.getInt32(i * 4, true); break;
      case 'U32': out[i] = v.getUint32(i * 4, true); break;
      case 'I16': out[i] = v.getInt16(i * 2, true); break;
      case 'U16': out[i] = v.getUint16(i * 2, true); break;
      case 'I8': out[i] = v.getInt8(i); break;
      case 'U8': out[i] = v.getUint8(i); break;
      case 'BOOL': out[i] = v.getUint8(i) ? 1 : 0; break;
    }
  }
  return out;
}

function buildHalfTable(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfToFloat(h);
  return t;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bf16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** float32 → IEEE half, round to nearest even (what torch's .half() does). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** float32 → bfloat16, round to nearest even (NaN stays NaN). */
export function floatToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** A tensor to write: float32 values, stored as `dtype` (default F32). */
export interface TensorToWrite {
  shape: readonly number[];
  data: Float32Array;
  dtype?: SafetensorsDtype;
}

/**
 * Serialises tensors (in the given order) with string metadata, in the layout python
 * `safetensors` writes: the JSON header padded with spaces to a multiple of 8, data
 * ranges contiguous in header order.
 */
export function serializeSafetensors(tensors: Iterable<[string, TensorToWrite]>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new SafetensorsError('serializeSafetensors', `metadata value for '${k}' must be a string, got ${typeof v}`);
  }
  if (Object.keys(metadata).length) header.__metadata__ = { ...metadata };
  const parts: Uint8Array[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new SafetensorsError('serializeSafetensors', "a tensor cannot be named '__metadata__'");
    if (seen.has(name)) throw new SafetensorsError('serializeSafetensors', `tensor '${name}' is given twice`);
    seen.add(name);
    const dtype = t.dtype ?? 'F32';
    if (!isSafetensorsDtype(dtype)) throw new SafetensorsError('serializeSafetensors', `tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)}`);
    if (!t.shape.every((s) => Number.isSafeInteger(s) && s >= 0)) throw new SafetensorsError('serializeSafetensors', `tensor '${name}' has an invalid shape ${JSON.stringify(t.shape)}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new SafetensorsError('serializeSafetensors', `tensor '${name}' has shape ${JSON.stringify(t.shape)} (${count} values) but ${t.data.length} values`);
    const bytes = encodeLittleEndian(t.data, dtype);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const raw = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(raw.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(raw, 8);
  out.fill(0x20, 8 + raw.length, 8 + padded);
  let pos = 8 + padded;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}

/** float32 values → little-endian bytes of `dtype` (integers are rounded toward zero). */
export function encodeLittleEndian(data: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  const n = data.length;
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(n * ITEM_SIZE[dtype]);
  const v = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const x = data[i];
    switch (dtype) {
      case 'F32': v.setFloat32(i * 4, x, true); break;
      case 'F64': v.setFloat64(i * 8, x, true); break;
      case 'F16': v.setUint16(i * 2, floatToHalf(x), true); break;
      case 'BF16': v.setUint16(i * 2, floatToBf16(x), true); break;
      case 'I64': v.setBigInt64(i * 8, BigInt(Number.isFinite(x) ? Math.trunc(x) : 0), true); break;
      case 'U64': v.setBigUint64(i * 8, BigInt(Number.isFinite(x) ? Math.max(0, Math.trunc(x)) : 0), true); break;
      case 'I32': v.setInt32(i * 4, x, true); break;
      case 'U32': v.setUint32(i * 4, x, true); break;
      case 'I16': v.setInt16(i * 2, x, true); break;
      case 'U16': v.setUint16(i * 2, x, true); break;
      case 'I8': v.setInt8(i, x); break;
      case 'U8': v.setUint8(i, x); break;
      case 'BOOL': v.setUint8(i, x ? 1 : 0); break;
    }
  }
  return out;
}
