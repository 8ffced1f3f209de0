/**
 * Building blocks of the fuzz tests: a seeded generator, byte-level mutators, a small pickle
 * assembler and a zip writer that can lie (deflated entries, any claimed size), and the
 * outcome check every case goes through.
 */
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/io/pth/zip.js';
import { isProjectError } from '../../src/io/limits.js';

/** mulberry32: small, fast and the same everywhere. */
export class FuzzRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const INTERESTING_U8 = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x2e, 0x28];
const INTERESTING_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x40000000, 255, 256, 65535];

/** One to `max` random byte-level edits: bit flips, interesting bytes and words, deletions, duplications, truncation, random runs. */
export function mutateBytes(src: Uint8Array, rng: FuzzRng, max = 4): Uint8Array {
  let b: Uint8Array = Uint8Array.from(src);
  const n = 1 + rng.int(max);
  for (let k = 0; k < n; k++) {
    if (b.length === 0) return b;
    const pos = rng.int(b.length);
    switch (rng.int(8)) {
      case 0:
        b[pos] ^= 1 << rng.int(8);
        break;
      case 1:
        b[pos] = rng.pick(INTERESTING_U8);
        break;
      case 2: {
        const v = rng.pick(INTERESTING_U32);
        for (let i = 0; i < 4 && pos + i < b.length; i++) b[pos + i] = (v >>> (8 * i)) & 0xff;
        break;
      }
      case 3: {
        const len = 1 + rng.int(Math.min(64, b.length - pos));
        b = concat(b.subarray(0, pos), b.subarray(pos + len));
        break;
      }
      case 4: {
        const len = 1 + rng.int(Math.min(64, b.length - pos));
        const at = rng.int(b.length);
        b = concat(b.subarray(0, at), b.subarray(pos, pos + len), b.subarray(at));
        break;
      }
      case 5:
        b = b.subarray(0, rng.int(b.length));
        break;
      case 6: {
        const len = 1 + rng.int(16);
        for (let i = 0; i < len && pos + i < b.length; i++) b[pos + i] = rng.int(256);
        break;
      }
      default:
        b[pos] = (b[pos] + 1 + rng.int(3)) & 0xff;
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A hand-written pickle, opcode by opcode. */
export class PickleAsm {
  private parts: number[] = [0x80, 2];
  op(...bytes: number[]): this {
    for (const b of bytes) this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const u = new TextEncoder().encode(s);
    return this.op(0x58, ...u32(u.length), ...u);
  }
  int(n: number): this {
    return this.op(0x4a, ...u32(n >>> 0));
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  emptyList(): this {
    return this.op(0x5d);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  appends(): this {
    return this.op(0x65);
  }
  append(): this {
    return this.op(0x61);
  }
  setitem(): this {
    return this.op(0x73);
  }
  memoize(): this {
    return this.op(0x94);
  }
  get(i: number): this {
    return i < 256 ? this.op(0x68, i) : this.op(0x6a, ...u32(i));
  }
  reduce(): this {
    return this.op(0x52);
  }
  persid(): this {
    return this.op(0x51);
  }
  stop(): Uint8Array {
    this.parts.push(0x2e);
    return Uint8Array.from(this.parts);
  }
  /** A `_rebuild_tensor_v2` call on float storage `key` of `numel` elements (a persistent id). */
  tensor(key: string, numel: number, offset: number, size: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(numel).tuple().persid();
    this.int(offset).mark();
    for (const s of size) this.int(s);
    this.tuple().mark();
    for (const s of stride) this.int(s);
    this.tuple().op(0x89).global('collections', 'OrderedDict').op(0x29).reduce().tuple().reduce();
    return this;
  }
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** A zip whose entries may be deflated and may claim any uncompressed size (the central directory is what readers trust). */
export function lyingZip(entries: { name: string; data: Uint8Array; deflate?: boolean; claimedSize?: number }[]): Uint8Array {
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const body = e.deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const size = e.claimedSize ?? e.data.length;
    const crc = crc32(e.data);
    const lh = new Uint8Array(30 + name.length);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, e.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, size >>> 0, true);
    lv.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, e.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, Math.min(size, 0xffffffff) >>> 0, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    ch.set(name, 46);
    local.push(lh, body);
    central.push(ch);
    offset += lh.length + body.length;
  }
  const cd = concat(...central);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cd.length, true);
  ev.setUint32(16, offset, true);
  return concat(...local, cd, end);
}

/** What one case came to. */
export type Outcome = { kind: 'accepted' } | { kind: 'refused'; name: string } | { kind: 'problem'; detail: string };

/**
 * A refusal must be one of the project's own errors, with a one-line message of at most 600
 * characters that names the file (its path, or its base name).
 */
export function judgeError(e: unknown, file: string): Outcome {
  if (!(e instanceof Error)) return { kind: 'problem', detail: `threw a non-Error ${String(e).slice(0, 80)}` };
  const msg = e.message;
  if (!isProjectError(e)) return { kind: 'problem', detail: `${e.name} (not a project error): ${msg.slice(0, 200)}` };
  if (/[\r\n]/.test(msg)) return { kind: 'problem', detail: `${e.name} message spans lines: ${JSON.stringify(msg.slice(0, 200))}` };
  if (msg.length > 600) return { kind: 'problem', detail: `${e.name} message of ${msg.length} characters: ${msg.slice(0, 120)}…` };
  const base = file.split('/').pop()!;
  if (!msg.includes(file) && !msg.includes(base)) return { kind: 'problem', detail: `${e.name} message does not name the file: ${msg.slice(0, 200)}` };
  return { kind: 'refused', name: e.name };
}
