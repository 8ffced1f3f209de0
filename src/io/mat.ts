/**
 * A reader for MATLAB MAT-files, level 5 (what `save -v6`/`-v7` and scipy's `savemat` write):
 * little-endian files, numeric real (non-sparse) arrays of any rank, inside plain miMATRIX or
 * zlib-compressed (miCOMPRESSED) elements. Data come back column-major, as stored.
 *
 * Format: "MAT-File Format", MathWorks, section 1 (Level 5 MAT-files).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants as zc, inflateSync } from 'node:zlib';

/** The array classes read here ('logical' is uint8 data with MATLAB's logical flag). */
export type MatClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'logical';

export type MatData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface MatArray {
  class: MatClass;
  /** MATLAB dimensions (at least two; trailing singletons as MATLAB wrote them). */
  dims: number[];
  /** The real part, column-major (first index fastest), as stored; length = product of dims. */
  data: MatData;
}

export interface ReadMatOptions {
  /** Only these variables (in any order; each must exist). Others are skipped without being decoded. */
  variables?: string[];
}

/** Errors reading a MAT-file; the message names the file and, where known, the variable. */
export class MatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatError';
  }
}

// Data types (miXXX) and array classes (mxXXX_CLASS).
const mi = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16 } as const;

type Ctor = { new (n: number): MatData; BYTES_PER_ELEMENT: number };

const STORAGE: Record<number, { name: string; ctor: Ctor }> = {
  [mi.INT8]: { name: 'miINT8', ctor: Int8Array },
  [mi.UINT8]: { name: 'miUINT8', ctor: Uint8Array },
  [mi.INT16]: { name: 'miINT16', ctor: Int16Array },
  [mi.UINT16]: { name: 'miUINT16', ctor: Uint16Array },
  [mi.INT32]: { name: 'miINT32', ctor: Int32Array },
  [mi.UINT32]: { name: 'miUINT32', ctor: Uint32Array },
  [mi.SINGLE]: { name: 'miSINGLE', ctor: Float32Array },
  [mi.DOUBLE]: { name: 'miDOUBLE', ctor: Float64Array },
  [mi.INT64]: { name: 'miINT64', ctor: BigInt64Array },
  [mi.UINT64]: { name: 'miUINT64', ctor: BigUint64Array },
};

const CLASSES: Record<number, { name: MatClass; ctor: Ctor }> = {
  6: { name: 'double', ctor: Float64Array },
  7: { name: 'single', ctor: Float32Array },
  8: { name: 'int8', ctor: Int8Array },
  9: { name: 'uint8', ctor: Uint8Array },
  10: { name: 'int16', ctor: Int16Array },
  11: { name: 'uint16', ctor: Uint16Array },
  12: { name: 'int32', ctor: Int32Array },
  13: { name: 'uint32', ctor: Uint32Array },
  14: { name: 'int64', ctor: BigInt64Array },
  15: { name: 'uint64', ctor: BigUint64Array },
};

const UNSUPPORTED_CLASSES: Record<number, string> = { 1: 'cell array', 2: 'struct', 3: 'object', 4: 'char array', 5: 'sparse matrix', 16: 'function handle', 17: 'opaque object' };

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const V73 = 'MATLAB v7.3 files are HDF5; re-save with -v7 or convert';
/** Bytes read (and inflated) to find a variable's name before deciding whether to decode it. */
const PEEK_BYTES = [512, 65536];

const pad8 = (n: number) => (n + 7) & ~7;

/** One data element: tag read, payload located. */
interface Element {
  type: number;
  size: number;
  /** Payload start in the buffer. */
  data: number;
  /** Where the next element starts. */
  next: number;
}

/** Reads the element at `p` in `buf[.. end)`, either the full 8-byte tag or the small (4-byte) form. */
function elementAt(buf: Buffer, p: number, end: number, what: () => string): Element {
  if (p + 8 > end) throw new MatError(`${what()}: truncated (data element tag at byte ${p} runs past the end)`);
  const w0 = buf.readUInt32LE(p);
  if (w0 >>> 16 !== 0) {
    const size = w0 >>> 16;
    if (size > 4) throw new MatError(`${what()}: corrupt small data element (${size} bytes > 4)`);
    return { type: w0 & 0xffff, size, data: p + 4, next: p + 8 };
  }
  const size = buf.readUInt32LE(p + 4);
  if (p + 8 + size > end) throw new MatError(`${what()}: truncated (element of ${size} bytes at byte ${p} runs ${p + 8 + size - end} bytes past the end)`);
  return { type: w0, size, data: p + 8, next: Math.min(end, p + 8 + pad8(size)) };
}

/** The start of a matrix element: class, flags, dims and name (possibly from a partial buffer). */
interface MatrixHead {
  classId: number;
  complex: boolean;
  logical: boolean;
  dims: number[];
  name: string;
  /** Where the real part's element starts. */
  next: number;
}

/** Parses flags, dims and name of the miMATRIX whose payload is buf[p .. end). */
function matrixHead(buf: Buffer, p: number, end: number, what: () => string): MatrixHead {
  const fl = elementAt(buf, p, end, what);
  if (fl.type !== mi.UINT32 || fl.size < 8) throw new MatError(`${what()}: corrupt array flags (type ${fl.type}, ${fl.size} bytes)`);
  const flags = buf.readUInt32LE(fl.data);
  const classId = flags & 0xff;
  const head: MatrixHead = { classId, complex: (flags & 0x800) !== 0, logical: (flags & 0x200) !== 0, dims: [], name: '', next: fl.next };
  if (classId !== 17) {
    // Opaque objects (class 17) have no dimensions element.
    const de = elementAt(buf, head.next, end, what);
    if (de.type !== mi.INT32 || de.size % 4 !== 0) throw new MatError(`${what()}: corrupt dimensions (type ${de.type}, ${de.size} bytes)`);
    for (let i = 0; i < de.size / 4; i++) head.dims.push(buf.readInt32LE(de.data + 4 * i));
    if (head.dims.some((d) => d < 0)) throw new MatError(`${what()}: negative dimension in [${head.dims.join(', ')}]`);
    head.next = de.next;
  }
  const ne = elementAt(buf, head.next, end, what);
  if (ne.type !== mi.INT8 && ne.type !== mi.UTF8 && ne.type !== mi.UINT8) throw new MatError(`${what()}: corrupt array name (type ${ne.type})`);
  head.name = buf.toString('latin1', ne.data, ne.data + ne.size);
  head.next = ne.next;
  return head;
}

/** Copies `count` values of storage type `type` from buf[off..] into an array of the class's type. */
function convert(buf: Buffer, off: number, type: number, count: number, cls: Ctor, what: () => string): MatData {
  const st = STORAGE[type];
  if (!st) throw new MatError(`${what()}: unsupported storage type ${type} for the real part`);
  const bytes = count * st.ctor.BYTES_PER_ELEMENT;
  // Same type and aligned: a view into the (already private) buffer; else an aligned copy.
  let src: MatData;
  if ((buf.byteOffset + off) % st.ctor.BYTES_PER_ELEMENT === 0) {
    src = new (st.ctor as unknown as new (b: ArrayBufferLike, o: number, n: number) => MatData)(buf.buffer, buf.byteOffset + off, count);
  } else {
    src = new st.ctor(count);
    new Uint8Array(src.buffer).set(buf.subarray(off, off + bytes));
  }
  if (st.ctor === cls) return src;
  const out = new cls(count);
  const outBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const srcBig = src instanceof BigInt64Array || src instanceof BigUint64Array;
  if (outBig === srcBig) (out as { set(a: ArrayLike<number | bigint>): void }).set(src as ArrayLike<number | bigint>);
  else if (outBig) for (let i = 0; i < count; i++) (out as BigInt64Array)[i] = BigInt(Math.trunc(Number(src[i])));
  else for (let i = 0; i < count; i++) (out as Float64Array)[i] = Number(src[i]);
  return out;
}

/** Decodes a full miMATRIX payload buf[p .. end). */
function decodeMatrix(buf: Buffer, p: number, end: number, file: string, hint: string): [string, MatArray] {
  let name = hint;
  const what = () => `${file}: variable '${name || '?'}'`;
  const h = matrixHead(buf, p, end, what);
  name = h.name;
  const unsupported = UNSUPPORTED_CLASSES[h.classId];
  if (unsupported) throw new MatError(`${what()}: unsupported MATLAB type (${unsupported}); only real numeric arrays can be read`);
  const cls = CLASSES[h.classId];
  if (!cls) throw new MatError(`${what()}: unsupported MATLAB array class ${h.classId}`);
  if (h.complex) throw new MatError(`${what()}: unsupported MATLAB type (complex ${cls.name}); only real numeric arrays can be read`);
  const count = h.dims.reduce((a, d) => a * d, 1);
  const re = elementAt(buf, h.next, end, what);
  const st = STORAGE[re.type];
  if (!st) throw new MatError(`${what()}: unsupported storage type ${re.type} for the real part`);
  const expected = count * st.ctor.BYTES_PER_ELEMENT;
  if (re.size !== expected) {
    throw new MatError(`${what()}: real part holds ${re.size} bytes, dimensions [${h.dims.join(', ')}] of ${st.name} need ${expected}${re.size < expected ? ' (truncated?)' : ''}`);
  }
  const data = convert(buf, re.data, re.type, count, h.logical && cls.name === 'uint8' ? Uint8Array : cls.ctor, what);
  return [name, { class: h.logical ? 'logical' : cls.name, dims: h.dims, data }];
}

/** Inflates a zlib stream; `partial` returns what a prefix of the stream decodes to. */
function inflate(src: Buffer, partial: boolean): Buffer {
  return partial ? inflateSync(src, { finishFlush: zc.Z_SYNC_FLUSH }) : inflateSync(src);
}

function readAt(fd: number, pos: number, n: number): Buffer {
  const b = Buffer.allocUnsafeSlow(n); // not from the shared pool: arrays may be views of it
  let got = 0;
  while (got < n) {
    const r = readSync(fd, b, got, n - got, pos + got);
    if (r === 0) break;
    got += r;
  }
  return got === n ? b : b.subarray(0, got);
}

/** Checks the 128-byte header; throws for HDF5 (v7.3), big-endian, v4 and other files. */
function checkHeader(h: Buffer, file: string): void {
  const isHdf5 = (b: Buffer, at: number) => b.length >= at + 8 && HDF5_SIGNATURE.every((v, i) => b[at + i] === v);
  if (isHdf5(h, 0)) throw new MatError(`${file}: ${V73}`);
  if (h.length < 128) throw new MatError(`${file}: not a MAT-file (only ${h.length} bytes; a MAT v5 header has 128)`);
  const endian = h.toString('latin1', 126, 128);
  const text = h.toString('latin1', 0, 116);
  if (endian === 'MI') {
    const v = h.readUInt16BE(124);
    if (v === 0x0200) throw new MatError(`${file}: ${V73}`);
    throw new MatError(`${file}: big-endian MAT-files are not supported (re-save on a little-endian machine, or with scipy.io.savemat)`);
  }
  if (endian !== 'IM') {
    throw new MatError(`${file}: not a MAT v5 file (no 'IM' endian indicator at byte 126${text.startsWith('MATLAB') ? '' : '; MAT v4 files have no header and are not supported'})`);
  }
  const version = h.readUInt16LE(124);
  if (version === 0x0200 || text.includes('MATLAB 7.3')) throw new MatError(`${file}: ${V73}`);
  if (version !== 0x0100) throw new MatError(`${file}: unsupported MAT-file version 0x${version.toString(16).padStart(4, '0')} (expected 0x0100)`);
}

/**
 * Reads the numeric variables of a little-endian MAT v5 file. With `variables`, only those
 * are decoded (each compressed element is inflated just far enough to read its name before
 * being skipped) and each must exist. The map keeps the file's order.
 */
export function readMat(path: string, options: ReadMatOptions = {}): Map<string, MatArray> {
  const wanted = options.variables ? new Set(options.variables) : null;
  const out = new Map<string, MatArray>();
  const seen: string[] = [];
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new MatError(`${path}: cannot open (${(e as Error).message})`);
  }
  try {
    const fileSize = fstatSync(fd).size;
    checkHeader(readAt(fd, 0, Math.min(fileSize, 128)), path);
    if (fileSize >= 520 && readAt(fd, 512, 8).equals(Buffer.from(HDF5_SIGNATURE))) throw new MatError(`${path}: ${V73}`);
    let pos = 128;
    while (pos < fileSize) {
      if (wanted && [...wanted].every((w) => out.has(w))) break;
      if (pos + 8 > fileSize) throw new MatError(`${path}: truncated (${fileSize - pos} stray bytes after the last variable at byte ${pos})`);
      const tag = readAt(fd, pos, 8);
      const type = tag.readUInt32LE(0);
      const size = tag.readUInt32LE(4);
      const start = pos + 8;
      const avail = Math.min(size, fileSize - start);
      const truncated = size > fileSize - start;
      pos = type === mi.COMPRESSED ? start + size : start + pad8(size);
      if (type !== mi.COMPRESSED && type !== mi.MATRIX) {
        if (truncated) throw new MatError(`${path}: truncated (element at byte ${start - 8} of ${size} bytes runs past the end)`);
        continue;
      }
      // The name, from the first bytes (inflated as far as they go); null if they do not reach it.
      let name: string | null = null;
      for (const n of PEEK_BYTES) {
        // Compressed: leave out the last 4 bytes (the Adler-32 trailer), so a corrupt stream
        // still yields its first bytes here and is reported, named, by the full inflate.
        const len = Math.min(n, type === mi.COMPRESSED ? avail - 4 : avail);
        if (len <= 0) break;
        try {
          const raw = readAt(fd, start, len);
          const peek = type === mi.COMPRESSED ? inflate(raw, true) : raw;
          // (Only the outer tag's type: its payload runs past what the peek inflated.)
          const p = type === mi.COMPRESSED ? (peek.length >= 8 && peek.readUInt32LE(0) === mi.MATRIX ? 8 : -1) : 0;
          if (p >= 0) name = matrixHead(peek, p, peek.length, () => path).name;
          break;
        } catch {
          if (len < n) break; // all there is
        }
      }
      if (truncated) {
        throw new MatError(`${path}: truncated: variable '${name ?? '?'}' (element at byte ${start - 8}) declares ${size} bytes, only ${avail} are left in the file`);
      }
      if (name !== null) seen.push(name);
      if (wanted && name !== null && !wanted.has(name)) continue;
      let buf = readAt(fd, start, size);
      let end = buf.length;
      let p = 0;
      if (type === mi.COMPRESSED) {
        try {
          buf = inflate(buf, false);
        } catch (e) {
          throw new MatError(`${path}: variable '${name ?? '?'}': compressed data are corrupt or truncated (${(e as Error).message})`);
        }
        const el = elementAt(buf, 0, buf.length, () => `${path}: variable '${name ?? '?'}'`);
        if (el.type !== mi.MATRIX) continue;
        p = el.data;
        end = el.data + el.size;
      }
      if (end - p === 0) continue; // an empty miMATRIX element
      const [n, arr] = decodeMatrix(buf, p, end, path, name ?? '');
      if (name === null) seen.push(n);
      if (wanted && !wanted.has(n)) continue;
      out.set(n, arr);
    }
  } finally {
    closeSync(fd);
  }
  if (wanted) {
    const missing = [...wanted].filter((w) => !out.has(w));
    if (missing.length) throw new MatError(`${path}: no variable ${missing.map((m) => `'${m}'`).join(', ')} (the file has: ${seen.map((s) => `'${s}'`).join(', ') || 'none'})`);
  }
  return out;
}

/** The column-major (MATLAB) linear index of element (i0, i1, …) of an array with dimensions `dims`. */
export function matIndex(dims: readonly number[], index: readonly number[]): number {
  if (index.length > dims.length && index.slice(dims.length).some((i) => i !== 0)) throw new RangeError(`index [${index.join(', ')}] out of range for [${dims.join(', ')}]`);
  let lin = 0;
  let stride = 1;
  for (let k = 0; k < dims.length; k++) {
    const i = index[k] ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= dims[k]) throw new RangeError(`index [${index.join(', ')}] out of range for [${dims.join(', ')}]`);
    lin += i * stride;
    stride *= dims[k];
  }
  return lin;
}

/** Element (i0, i1, …) of a MAT array (zero-based). */
export function matGet(arr: MatArray, ...index: number[]): number | bigint {
  return arr.data[matIndex(arr.dims, index)];
}

/** A row-major (C order, last index fastest, as numpy/scipy return) copy of column-major data. */
export function toRowMajor<T extends MatData>(dims: readonly number[], data: T): T {
  const n = dims.reduce((a, d) => a * d, 1);
  if (data.length !== n) throw new RangeError(`toRowMajor: ${data.length} values for dimensions [${dims.join(', ')}]`);
  const out = new (data.constructor as new (n: number) => T)(n);
  if (n === 0) return out;
  const rank = dims.length;
  // Row-major strides; walk the column-major source in order with an odometer.
  const rs = new Array<number>(rank);
  let s = 1;
  for (let k = rank - 1; k >= 0; k--) {
    rs[k] = s;
    s *= dims[k];
  }
  const idx = new Array<number>(rank).fill(0);
  let dst = 0;
  for (let i = 0; i < n; i++) {
    (out as unknown as { [i: number]: number | bigint })[dst] = data[i];
    for (let k = 0; k < rank; k++) {
      if (++idx[k] < dims[k]) {
        dst += rs[k];
        break;
      }
      dst -= (dims[k] - 1) * rs[k];
      idx[k] = 0;
    }
  }
  return out;
}
