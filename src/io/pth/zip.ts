import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { FIXED_LIMITS, limit, showName } from '../limits.js';

/**
 * A minimal, read-only ZIP reader: enough for torch.save archives (stored entries, data
 * descriptors, ZIP64 records) and ordinary deflated zips. Entries are read on demand, so a
 * large checkpoint is never held in memory twice.
 */

export class ZipError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'ZipError';
  }
}

/** Random access to the bytes of an archive. */
export interface ZipSource {
  readonly size: number;
  read(position: number, length: number): Uint8Array;
  close(): void;
}

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

function fileSource(path: string): ZipSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ZipError(path, `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const size = fstatSync(fd).size;
  return {
    size,
    read(position, length) {
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, position + done);
        if (n === 0) throw new ZipError(path, `file ended at byte ${position + done} while reading ${length} bytes at ${position} (truncated?)`);
        done += n;
      }
      return out;
    },
    close() {
      closeSync(fd);
    },
  };
}

function bufferSource(buf: Uint8Array): ZipSource {
  return {
    size: buf.length,
    read(position, length) {
      return buf.subarray(position, position + length);
    },
    close() {},
  };
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function u64(b: Uint8Array, o: number, where: string, what: string): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  if (hi >= 0x200000) throw new ZipError(where, `${what} ${hi * 4294967296 + lo} is too large`);
  return hi * 4294967296 + lo;
}

export class ZipReader {
  readonly entries: ZipEntry[];
  private readonly byName = new Map<string, ZipEntry>();
  /** Bytes inflated from deflated entries so far (bounded by the maxInflatedBytes limit). */
  private inflated = 0;

  private constructor(
    readonly where: string,
    private readonly source: ZipSource,
  ) {
    try {
      this.entries = this.readCentralDirectory();
    } catch (e) {
      source.close();
      throw e;
    }
    for (const e of this.entries) this.byName.set(e.name, e);
  }

  /** Opens a zip file; `where` in error messages is the path. */
  static open(path: string): ZipReader {
    return new ZipReader(path, fileSource(path));
  }

  static fromBuffer(buf: Uint8Array, where = 'zip archive'): ZipReader {
    return new ZipReader(where, bufferSource(buf));
  }

  close(): void {
    this.source.close();
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  private fail(message: string): never {
    throw new ZipError(this.where, message);
  }

  private readCentralDirectory(): ZipEntry[] {
    const size = this.source.size;
    if (size < EOCD_SIZE) this.fail(`file is ${size} bytes, too small to be a zip archive (truncated?)`);
    const tailLen = Math.min(size, EOCD_SIZE + MAX_COMMENT);
    const tailStart = size - tailLen;
    const tail = this.source.read(tailStart, tailLen);
    let eocd = -1;
    for (let i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (u32(tail, i) === SIG_EOCD && i + EOCD_SIZE + u16(tail, i + 20) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      const first = this.source.read(0, 4);
      if (u32(first, 0) === SIG_LOCAL) this.fail(`the zip archive is truncated: it has no end-of-central-directory record (${size} bytes present)`);
      this.fail('not a zip archive (no end-of-central-directory record found)');
    }
    const eocdPos = tailStart + eocd;
    const disk = u16(tail, eocd + 4);
    const cdDisk = u16(tail, eocd + 6);
    let count = u16(tail, eocd + 10);
    let cdSize = u32(tail, eocd + 12);
    let cdOffset = u32(tail, eocd + 16);
    let cdLimit = eocdPos;

    // ZIP64: a locator sits right before the classic record and points to the ZIP64 record.
    if (eocdPos >= 20) {
      const loc = this.source.read(eocdPos - 20, 20);
      if (u32(loc, 0) === SIG_ZIP64_LOCATOR) {
        const recPos = u64(loc, 8, this.where, 'ZIP64 end-of-central-directory offset');
        if (recPos + 56 > eocdPos - 20) this.fail(`ZIP64 end-of-central-directory offset ${recPos} lies outside the file (corrupt or truncated)`);
        const rec = this.source.read(recPos, 56);
        if (u32(rec, 0) !== SIG_ZIP64_EOCD) this.fail(`no ZIP64 end-of-central-directory record at offset ${recPos} (corrupt archive)`);
        count = u64(rec, 32, this.where, 'entry count');
        cdSize = u64(rec, 40, this.where, 'central directory size');
        cdOffset = u64(rec, 48, this.where, 'central directory offset');
        cdLimit = recPos;
      } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
        this.fail('the end-of-central-directory record needs a ZIP64 record, which is missing (corrupt archive)');
      }
    }
    if (disk !== 0 || cdDisk !== 0) this.fail('multi-volume zip archives are not supported');
    if (cdOffset + cdSize > cdLimit) this.fail(`central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${cdLimit} (the archive is truncated or corrupt)`);

    const cd = this.source.read(cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length) this.fail(`central directory ends after ${i} of ${count} entries (corrupt central directory)`);
      if (u32(cd, p) !== SIG_CENTRAL) this.fail(`central directory entry ${i} at offset ${cdOffset + p} has a bad signature (corrupt central directory)`);
      const flags = u16(cd, p + 8);
      const method = u16(cd, p + 10);
      const crc = u32(cd, p + 16);
      let compressedSize = u32(cd, p + 20);
      let uncompressedSize = u32(cd, p + 24);
      const nameLen = u16(cd, p + 28);
      const extraLen = u16(cd, p + 30);
      const commentLen = u16(cd, p + 32);
      let localHeaderOffset = u32(cd, p + 42);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cd.length) this.fail(`central directory entry ${i} runs past the end of the central directory (corrupt central directory)`);
      const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + nameLen));
      const shown = showName(name);
      // ZIP64 extended information: only the fields saturated in the fixed header are present, in this order.
      const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
      for (let q = 0; q + 4 <= extra.length; ) {
        const id = u16(extra, q);
        const len = u16(extra, q + 2);
        if (q + 4 + len > extra.length) break;
        if (id === 0x0001) {
          let r = q + 4;
          const take = (what: string): number => {
            if (r + 8 > q + 4 + len) this.fail(`entry '${shown}' has a short ZIP64 extra field (corrupt central directory)`);
            const v = u64(extra, r, this.where, `entry '${shown}' ${what}`);
            r += 8;
            return v;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = take('size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('offset');
        }
        q += 4 + len;
      }
      if (localHeaderOffset + 30 > cdOffset) this.fail(`entry '${shown}' claims local header offset ${localHeaderOffset}, past the start of the central directory (corrupt central directory)`);
      entries.push({ name, method, flags, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset });
      p = end;
    }
    return entries;
  }

  /**
   * The uncompressed bytes of an entry, checked against its CRC-32. An entry is only read
   * when the size it claims is at most `maxBytes` (default 1 MiB: what the caller can need;
   * a storage passes its own size), and deflated data never inflates past that claim nor,
   * over the whole archive, past the maxInflatedBytes limit.
   */
  read(nameOrEntry: string | ZipEntry, opts: { maxBytes?: number; what?: string } = {}): Uint8Array {
    const e = typeof nameOrEntry === 'string' ? this.byName.get(nameOrEntry) : nameOrEntry;
    if (!e) this.fail(`the archive has no entry '${showName(nameOrEntry as string)}'`);
    const name = showName(e.name);
    const maxBytes = opts.maxBytes ?? FIXED_LIMITS.zipSmallEntryBytes;
    if (e.uncompressedSize > maxBytes) this.fail(`entry '${name}' claims ${e.uncompressedSize} bytes, more than the ${maxBytes} bytes ${opts.what ?? 'such an entry'} can need (corrupt or hostile archive)`);
    if (e.flags & 1) this.fail(`entry '${name}' is encrypted, which is not supported`);
    const head = this.source.read(e.localHeaderOffset, 30);
    if (head.length < 30 || u32(head, 0) !== SIG_LOCAL) this.fail(`entry '${name}' has no local header at offset ${e.localHeaderOffset} (corrupt archive)`);
    const dataStart = e.localHeaderOffset + 30 + u16(head, 26) + u16(head, 28);
    if (dataStart + e.compressedSize > this.source.size) this.fail(`entry '${name}' data [${dataStart}, ${dataStart + e.compressedSize}) runs past the end of the ${this.source.size}-byte file (truncated)`);
    const raw = this.source.read(dataStart, e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.compressedSize !== e.uncompressedSize) this.fail(`stored entry '${name}' has compressed size ${e.compressedSize} but size ${e.uncompressedSize} (corrupt archive)`);
      data = raw;
    } else if (e.method === 8) {
      const maxInflated = limit('maxInflatedBytes');
      if (this.inflated + e.uncompressedSize > maxInflated) {
        this.fail(`entry '${name}' would inflate the archive's compressed entries past ${maxInflated} bytes (DIFF_MAMBA_MAX_INFLATED_BYTES; torch.save does not compress, docs/limits.md)`);
      }
      this.inflated += e.uncompressedSize;
      try {
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.uncompressedSize) });
      } catch (err) {
        this.fail(`entry '${name}' does not inflate (${(err as Error).message}); the archive is corrupt`);
      }
      if (data.length !== e.uncompressedSize) this.fail(`entry '${name}' inflates to ${data.length} bytes, expected ${e.uncompressedSize} (corrupt archive)`);
    } else {
      this.fail(`entry '${name}' uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    }
    const actual = crc32(data);
    if (actual !== e.crc32) this.fail(`entry '${name}' fails its CRC check (stored ${hex(e.crc32)}, computed ${hex(actual)}): the archive is corrupt`);
    return data;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE); node's native one when present (node >= 20.15). */
export function crc32(data: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (typeof native === 'function') return native(data) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Writes a zip of stored entries (no compression), 64-byte aligned data like torch.save's
 * writer, with ZIP64 records when offsets or sizes need them (or always, with
 * `forceZip64`, for tests). Used by tests and by anyone producing torch-loadable archives.
 */
export function writeZip(files: Iterable<[string, Uint8Array]>, options: { forceZip64?: boolean } = {}): Uint8Array {
  const force = options.forceZip64 === true;
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let pos = 0;
  let count = 0;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    pos += b.length;
  };
  for (const [name, data] of files) {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const offset = pos;
    const big = force || data.length >= 0xffffffff || offset >= 0xffffffff;
    // Pad the local extra field so the data start is 64-byte aligned (as torch does).
    const baseLen = 30 + nameBytes.length + (big ? 20 : 0);
    const pad = (64 - ((offset + baseLen + 4) % 64)) % 64;
    const extraLen = (big ? 20 : 0) + 4 + pad;
    const local = new Uint8Array(30 + nameBytes.length + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, SIG_LOCAL, true);
    lv.setUint16(4, big ? 45 : 20, true);
    lv.setUint16(6, 0x800, true);
    lv.setUint16(8, 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, big ? 0xffffffff : data.length, true);
    lv.setUint32(22, big ? 0xffffffff : data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, extraLen, true);
    local.set(nameBytes, 30);
    let x = 30 + nameBytes.length;
    if (big) {
      lv.setUint16(x, 1, true);
      lv.setUint16(x + 2, 16, true);
      lv.setBigUint64(x + 4, BigInt(data.length), true);
      lv.setBigUint64(x + 12, BigInt(data.length), true);
      x += 20;
    }
    lv.setUint16(x, 0x4246, true); // 'FB', torch's padding field id
    lv.setUint16(x + 2, pad, true);
    push(local);
    push(data);

    const cExtraLen = big ? 28 : 0;
    const c = new Uint8Array(46 + nameBytes.length + cExtraLen);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, 0x031e, true);
    cv.setUint16(6, big ? 45 : 20, true);
    cv.setUint16(8, 0x800, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, big ? 0xffffffff : data.length, true);
    cv.setUint32(24, big ? 0xffffffff : data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint16(30, cExtraLen, true);
    cv.setUint32(42, big ? 0xffffffff : offset, true);
    c.set(nameBytes, 46);
    if (big) {
      const y = 46 + nameBytes.length;
      cv.setUint16(y, 1, true);
      cv.setUint16(y + 2, 24, true);
      cv.setBigUint64(y + 4, BigInt(data.length), true);
      cv.setBigUint64(y + 12, BigInt(data.length), true);
      cv.setBigUint64(y + 20, BigInt(offset), true);
    }
    central.push(c);
    count++;
  }
  const cdOffset = pos;
  for (const c of central) push(c);
  const cdSize = pos - cdOffset;
  const zip64 = force || count >= 0xffff || cdOffset >= 0xffffffff || cdSize >= 0xffffffff;
  if (zip64) {
    const recPos = pos;
    const rec = new Uint8Array(56);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, SIG_ZIP64_EOCD, true);
    rv.setBigUint64(4, 44n, true);
    rv.setUint16(12, 45, true);
    rv.setUint16(14, 45, true);
    rv.setBigUint64(24, BigInt(count), true);
    rv.setBigUint64(32, BigInt(count), true);
    rv.setBigUint64(40, BigInt(cdSize), true);
    rv.setBigUint64(48, BigInt(cdOffset), true);
    push(rec);
    const loc = new Uint8Array(20);
    const locv = new DataView(loc.buffer);
    locv.setUint32(0, SIG_ZIP64_LOCATOR, true);
    locv.setBigUint64(8, BigInt(recPos), true);
    locv.setUint32(16, 1, true);
    push(loc);
  }
  const end = new Uint8Array(EOCD_SIZE);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, SIG_EOCD, true);
  ev.setUint16(8, zip64 ? 0xffff : count, true);
  ev.setUint16(10, zip64 ? 0xffff : count, true);
  ev.setUint32(12, zip64 ? 0xffffffff : cdSize, true);
  ev.setUint32(16, zip64 ? 0xffffffff : cdOffset, true);
  push(end);
  const out = new Uint8Array(pos);
  let o = 0;
  for (const ch of chunks) {
    out.set(ch, o);
    o += ch.length;
  }
  return out;
}
