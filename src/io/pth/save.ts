import { endianness } from 'node:os';
import { writeZip } from './zip.js';

/**
 * Writes torch.save archives (the zip format torch >= 1.6 writes) that `torch.load(f,
 * weights_only=True)` accepts: `archive/data.pkl` is a protocol-2 pickle, each tensor's float32
 * storage is a stored (uncompressed) entry `archive/data/<key>`, 64-byte aligned like torch's
 * writer, plus `archive/byteorder` ('little') and `archive/version` ('3').
 *
 * The pickle opcodes are written by hand: the npm pickle packages (pickleparser, jpickle,
 * unpickle) only read pickles, node-pickle shells out to Python, and none writes torch's
 * persistent-id storage references, so there is no maintained package to write this format.
 *
 * Only the globals torch's weights_only unpickler allows are emitted (collections.OrderedDict,
 * torch._utils._rebuild_tensor_v2, torch.FloatStorage), and only opcodes it implements (torch
 * 1.13's has no BINFLOAT, so floats are refused rather than written).
 */

/** A contiguous float32 tensor in row-major order. */
export interface PthTensorLike {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** `collections.OrderedDict` (a state dict); a plain `Map` becomes a python `dict`. */
export class TorchOrderedDict {
  readonly entries: readonly (readonly [string, PthValue])[];
  constructor(entries: Iterable<readonly [string, PthValue]>) {
    this.entries = [...entries];
  }
}

/** What the writer can put in a pickle: integers (no floats), strings, booleans, None, tensors, dicts. */
export type PthValue = string | number | boolean | null | PthTensorLike | TorchOrderedDict | ReadonlyMap<string, PthValue>;

/** The top-level key under which our files carry their own metadata (all strings); BasicSR ignores other keys. */
export const PTH_METADATA_KEY = 'diff_mamba';

export class PthWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PthWriteError';
  }
}

// Opcodes (pickletools names), protocol 2.
const PROTO = 0x80;
const STOP = 0x2e;
const MARK = 0x28;
const GLOBAL = 0x63;
const BINPUT = 0x71;
const LONG_BINPUT = 0x72;
const BINGET = 0x68;
const LONG_BINGET = 0x6a;
const EMPTY_DICT = 0x7d;
const EMPTY_TUPLE = 0x29;
const TUPLE = 0x74;
const TUPLE1 = 0x85;
const TUPLE2 = 0x86;
const TUPLE3 = 0x87;
const SETITEM = 0x73;
const SETITEMS = 0x75;
const BININT = 0x4a;
const BININT1 = 0x4b;
const BININT2 = 0x4d;
const LONG1 = 0x8a;
const BINUNICODE = 0x58;
const NONE = 0x4e;
const NEWTRUE = 0x88;
const NEWFALSE = 0x89;
const REDUCE = 0x52;
const BINPERSID = 0x51;

/** Python's pickler writes dict items in SETITEMS batches of this size. */
const BATCH = 1000;

class ByteSink {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >>> 8) & 0xff);
  }
  u32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function isTensor(v: unknown): v is PthTensorLike {
  return typeof v === 'object' && v !== null && (v as PthTensorLike).data instanceof Float32Array && Array.isArray((v as PthTensorLike).shape);
}

interface Storage {
  key: string;
  data: Float32Array;
}

class Pickler {
  readonly out = new ByteSink();
  private memoSize = 0;
  private readonly globals = new Map<string, number>();
  private readonly tensorMemo = new Map<Float32Array, { shape: readonly number[]; memo: number }[]>();
  private readonly storageOf = new Map<Float32Array, Storage>();
  readonly storages: Storage[] = [];
  private readonly enc = new TextEncoder();

  private put(): number {
    const i = this.memoSize++;
    if (i < 256) {
      this.out.byte(BINPUT);
      this.out.byte(i);
    } else {
      this.out.byte(LONG_BINPUT);
      this.out.u32(i);
    }
    return i;
  }

  private get(i: number): void {
    if (i < 256) {
      this.out.byte(BINGET);
      this.out.byte(i);
    } else {
      this.out.byte(LONG_BINGET);
      this.out.u32(i);
    }
  }

  private global(module: string, name: string): void {
    const q = `${module}.${name}`;
    const memo = this.globals.get(q);
    if (memo !== undefined) return this.get(memo);
    this.out.byte(GLOBAL);
    this.out.bytes(this.enc.encode(`${module}\n${name}\n`));
    this.globals.set(q, this.put());
  }

  private int(n: number, where: string): void {
    if (!Number.isSafeInteger(n)) throw new PthWriteError(`${where}: ${n} is not an integer; only integers are written (torch's weights_only loader of torch 1.13 reads no floats)`);
    if (n >= 0 && n < 0x100) {
      this.out.byte(BININT1);
      this.out.byte(n);
    } else if (n >= 0 && n < 0x10000) {
      this.out.byte(BININT2);
      this.out.u16(n);
    } else if (n >= -0x80000000 && n < 0x80000000) {
      this.out.byte(BININT);
      this.out.u32(n);
    } else {
      // LONG1: little-endian two's complement, as short as python writes it.
      let v = BigInt(n);
      const bytes: number[] = [];
      for (;;) {
        bytes.push(Number(v & 0xffn));
        v >>= 8n;
        const sign = bytes[bytes.length - 1] & 0x80;
        if ((v === 0n && !sign) || (v === -1n && sign)) break;
      }
      this.out.byte(LONG1);
      this.out.byte(bytes.length);
      for (const b of bytes) this.out.byte(b);
    }
  }

  private str(s: string): void {
    const b = this.enc.encode(s);
    this.out.byte(BINUNICODE);
    this.out.u32(b.length);
    this.out.bytes(b);
  }

  private tuple(items: readonly number[], where: string): void {
    if (items.length > 3) this.out.byte(MARK);
    for (const x of items) this.int(x, where);
    this.out.byte([EMPTY_TUPLE, TUPLE1, TUPLE2, TUPLE3][items.length] ?? TUPLE);
  }

  private items(entries: Iterable<readonly [string, PthValue]>, where: string): void {
    let batch: (readonly [string, PthValue])[] = [];
    const flush = () => {
      if (batch.length === 1) {
        this.str(batch[0][0]);
        this.value(batch[0][1], `${where}['${batch[0][0]}']`);
        this.out.byte(SETITEM);
      } else if (batch.length > 1) {
        this.out.byte(MARK);
        for (const [k, v] of batch) {
          this.str(k);
          this.value(v, `${where}['${k}']`);
        }
        this.out.byte(SETITEMS);
      }
      batch = [];
    };
    for (const e of entries) {
      if (typeof e[0] !== 'string') throw new PthWriteError(`${where}: key ${String(e[0])} is not a string`);
      batch.push(e);
      if (batch.length === BATCH) flush();
    }
    flush();
  }

  /** `collections.OrderedDict()`: GLOBAL, EMPTY_TUPLE, REDUCE (how python pickles one). */
  private emptyOrderedDict(): void {
    this.global('collections', 'OrderedDict');
    this.out.byte(EMPTY_TUPLE);
    this.out.byte(REDUCE);
    this.put();
  }

  /** `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`. */
  private tensor(t: PthTensorLike, where: string): void {
    const shape = [...t.shape];
    shape.forEach((d, i) => {
      if (!Number.isSafeInteger(d) || d < 0) throw new PthWriteError(`${where}: dimension ${i} of shape ${JSON.stringify(shape)} is not a non-negative integer`);
    });
    const numel = shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) throw new PthWriteError(`${where}: shape ${JSON.stringify(shape)} holds ${numel} elements but the data has ${t.data.length}`);
    // The same array under the same shape is the same tensor object (as in torch.save), so it is stored once.
    const seen = this.tensorMemo.get(t.data)?.find((e) => e.shape.length === shape.length && e.shape.every((d, i) => d === shape[i]));
    if (seen) return this.get(seen.memo);
    let storage = this.storageOf.get(t.data);
    if (!storage) {
      storage = { key: String(this.storages.length), data: t.data };
      this.storages.push(storage);
      this.storageOf.set(t.data, storage);
    }
    const stride = new Array<number>(shape.length);
    for (let d = shape.length - 1, s = 1; d >= 0; d--) {
      stride[d] = s;
      s *= shape[d];
    }
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.out.byte(MARK);
    // Persistent id ('storage', torch.FloatStorage, key, 'cpu', numel).
    this.out.byte(MARK);
    this.str('storage');
    this.global('torch', 'FloatStorage');
    this.str(storage.key);
    this.str('cpu');
    this.int(t.data.length, where);
    this.out.byte(TUPLE);
    this.out.byte(BINPERSID);
    this.int(0, where);
    this.tuple(shape, where);
    this.tuple(stride, where);
    this.out.byte(NEWFALSE);
    this.emptyOrderedDict();
    this.out.byte(TUPLE);
    this.out.byte(REDUCE);
    const memo = this.put();
    const list = this.tensorMemo.get(t.data) ?? [];
    list.push({ shape, memo });
    this.tensorMemo.set(t.data, list);
  }

  value(v: PthValue, where: string): void {
    if (v === null) this.out.byte(NONE);
    else if (v === true) this.out.byte(NEWTRUE);
    else if (v === false) this.out.byte(NEWFALSE);
    else if (typeof v === 'string') this.str(v);
    else if (typeof v === 'number') this.int(v, where);
    else if (v instanceof TorchOrderedDict) {
      this.global('collections', 'OrderedDict');
      this.out.byte(EMPTY_TUPLE);
      this.out.byte(REDUCE);
      this.put();
      this.items(v.entries, where);
    } else if (v instanceof Map) {
      this.out.byte(EMPTY_DICT);
      this.put();
      this.items(v, where);
    } else if (isTensor(v)) this.tensor(v, where);
    else throw new PthWriteError(`${where}: cannot write ${typeof v === 'object' ? 'this object' : `a ${typeof v}`} (strings, integers, booleans, null, float32 tensors, Map and TorchOrderedDict only)`);
  }

  finish(): Uint8Array {
    this.out.byte(STOP);
    return this.out.result();
  }
}

const LITTLE_ENDIAN = endianness() === 'LE';

function storageBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}

/** The pickle alone (with the storages it references), for tests and tools. */
export function picklePth(root: PthValue): { pickle: Uint8Array; storages: { key: string; data: Float32Array }[] } {
  const p = new Pickler();
  p.out.byte(PROTO);
  p.out.byte(2);
  p.value(root, 'checkpoint');
  return { pickle: p.finish(), storages: p.storages };
}

/** A torch.save archive of `root`, as bytes; `torch.load` gives back the same structure. */
export function serializePth(root: PthValue, options: { archiveName?: string } = {}): Uint8Array {
  const top = options.archiveName ?? 'archive';
  if (!/^[\w.-]+$/.test(top)) throw new PthWriteError(`archive name '${top}' must be letters, digits, '_', '.' or '-'`);
  const { pickle, storages } = picklePth(root);
  const files: [string, Uint8Array][] = [
    [`${top}/data.pkl`, pickle],
    [`${top}/byteorder`, new TextEncoder().encode('little')],
    ...storages.map((s): [string, Uint8Array] => [`${top}/data/${s.key}`, storageBytes(s.data)]),
    [`${top}/version`, new TextEncoder().encode('3\n')],
  ];
  return writeZip(files);
}

/**
 * BasicSR's `save_network` layout, `{'params': sd, 'params_ema': sd}` with each state dict an
 * OrderedDict in the given order, plus our metadata (strings) under PTH_METADATA_KEY when given.
 * Without `paramsEma` both keys hold the same tensors (stored once).
 */
export function basicsrCheckpoint(
  params: Iterable<readonly [string, PthTensorLike]>,
  options: { paramsEma?: Iterable<readonly [string, PthTensorLike]>; metadata?: Record<string, string> } = {},
): Map<string, PthValue> {
  const p = new TorchOrderedDict(params);
  const root = new Map<string, PthValue>([
    ['params', p],
    ['params_ema', options.paramsEma ? new TorchOrderedDict(options.paramsEma) : p],
  ]);
  if (options.metadata) {
    for (const [k, v] of Object.entries(options.metadata)) if (typeof v !== 'string') throw new PthWriteError(`metadata '${k}' is not a string`);
    root.set(PTH_METADATA_KEY, new Map(Object.entries(options.metadata)));
  }
  return root;
}
