import { ITEM_SIZE, decodeLittleEndian, type SafetensorsDtype, type StoredTensor } from '../safetensors.js';
import { CONTAINER_GLOBALS, PickleError, PickleGlobal, unpickle, type GlobalImpl } from './pickle.js';
import { ZipReader } from './zip.js';
import { FIXED_LIMITS, limit, showName, showValue } from '../limits.js';

/**
 * Loads torch.save archives (torch >= 1.6 zip format): `<top>/data.pkl` is a pickle whose
 * persistent ids name raw storages `<top>/data/<key>`; tensors are views into them.
 */

export class PthError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'PthError';
  }
}

/** A storage as the pickle references it, with its bytes. */
export interface PthStorage {
  readonly kind: 'storage';
  readonly dtype: SafetensorsDtype;
  readonly key: string;
  readonly location: string;
  /** Number of elements of `dtype`. */
  readonly numel: number;
  readonly bytes: Uint8Array;
}

const STORAGE_DTYPES: Record<string, SafetensorsDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  // Untyped storages count bytes.
  UntypedStorage: 'U8',
};

/** Marks a value the loader made as a tensor (StoredTensor is a plain interface). */
const TENSOR_TAG = Symbol('pth tensor');

export function isStoredTensor(v: unknown): v is StoredTensor {
  if (typeof v !== 'object' || v === null) return false;
  if ((v as Record<symbol, unknown>)[TENSOR_TAG]) return true;
  const t = v as Partial<StoredTensor>;
  return typeof t.dtype === 'string' && Array.isArray(t.shape) && t.data instanceof Float32Array;
}

function isStorage(v: unknown): v is PthStorage {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'storage';
}

function intArg(v: unknown, what: string, fail: (m: string) => never): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is ${showValue(v)}, not a non-negative integer`);
  return v as number;
}

function intTuple(v: unknown, what: string, fail: (m: string) => never): number[] {
  if (!Array.isArray(v)) fail(`${what} is not a tuple`);
  if ((v as unknown[]).length > FIXED_LIMITS.tensorDims) fail(`${what} has ${(v as unknown[]).length} dimensions, more than the limit of ${FIXED_LIMITS.tensorDims}`);
  return (v as unknown[]).map((x, i) => intArg(x, `${what}[${i}]`, fail));
}

/** What the tensors rebuilt so far have decoded, to bound the views of one archive. */
export interface ViewBudget {
  /** Values decoded into tensors so far. */
  values: number;
  /** Elements of the storages loaded so far. */
  storageValues: number;
}

/**
 * torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
 * All views together hold at most four times the values of the archive's storages plus a
 * million (expanded views, tied weights, two keys over one storage): a stride-0 view of 2^28
 * values over a few hundred would otherwise allocate a gigabyte.
 */
export function rebuildTensor(storage: unknown, offsetArg: unknown, sizeArg: unknown, strideArg: unknown, where: string, budget?: ViewBudget): StoredTensor {
  const fail = (m: string): never => {
    throw new PthError(where, `cannot rebuild a tensor: ${m}`);
  };
  if (!isStorage(storage)) return fail('its storage argument is not a storage');
  const offset = intArg(offsetArg, 'storage offset', fail);
  const shape = intTuple(sizeArg, 'size', fail);
  const stride = intTuple(strideArg, 'stride', fail);
  if (shape.length !== stride.length) fail(`size ${JSON.stringify(shape)} and stride ${JSON.stringify(stride)} differ in length`);
  const count = shape.reduce((a, b) => a * b, 1);
  const key = showName(storage.key);
  if (!Number.isSafeInteger(count)) fail(`size ${JSON.stringify(shape)} has more elements than can be counted`);
  const own = budget ?? { values: 0, storageValues: storage.numel };
  const dtype = storage.dtype;
  const item = ITEM_SIZE[dtype];
  let data: Float32Array;
  if (count === 0) {
    data = new Float32Array(0);
  } else {
    let last = offset;
    for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
    if (last >= storage.numel) fail(`storage '${key}' has ${storage.numel} elements but the view (offset ${offset}, size ${JSON.stringify(shape)}, stride ${JSON.stringify(stride)}) reaches element ${last}`);
    // expanded (stride-0) views repeat their data: bounded so that a few hundred stored values cannot become gigabytes
    const allowed = 4 * own.storageValues + 1_000_000;
    if (own.values + count > allowed) {
      fail(`the view of size ${JSON.stringify(shape)} over storage '${key}' (${storage.numel} values) would bring the tensors to ${own.values + count} values, more than four times their storages' ${own.storageValues} and a million; refusing views that repeat the same data`);
    }
    own.values += count;
    let contiguous = true;
    for (let d = shape.length - 1, expect = 1; d >= 0; d--) {
      if (shape[d] !== 1 && stride[d] !== expect) contiguous = false;
      expect *= shape[d];
    }
    if (contiguous) {
      data = decodeLittleEndian(storage.bytes.subarray(offset * item, (offset + count) * item), dtype, count);
    } else {
      // Decode the span the view touches once, then gather in row-major order.
      const span = decodeLittleEndian(storage.bytes.subarray(offset * item, (last + 1) * item), dtype, last + 1 - offset);
      data = gather(span, shape, stride, count);
    }
  }
  const t: StoredTensor = { dtype, shape, data };
  Object.defineProperty(t, TENSOR_TAG, { value: true, enumerable: false });
  return t;
}

function gather(src: Float32Array, shape: number[], stride: number[], count: number): Float32Array {
  const out = new Float32Array(count);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1];
  const innerStride = stride[nd - 1];
  let base = 0;
  for (let o = 0; o < count; o += inner) {
    for (let i = 0, s = base; i < inner; i++, s += innerStride) out[o + i] = src[s];
    // Advance the outer indices like an odometer.
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      base += stride[d];
      if (idx[d] < shape[d]) break;
      base -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

interface ArchiveContext {
  where: string;
  zip: ZipReader;
  prefix: string;
  bigEndian: boolean;
  storages: Map<string, PthStorage>;
  budget: ViewBudget;
}

function torchGlobals(ctx: ArchiveContext): Map<string, GlobalImpl> {
  const where = ctx.where;
  const g = new Map<string, GlobalImpl>(CONTAINER_GLOBALS);
  const rebuildV2: GlobalImpl = {
    call: (a) => {
      if (a.length < 4) throw new PthError(where, `_rebuild_tensor_v2 got ${a.length} arguments, expected at least 4`);
      return rebuildTensor(a[0], a[1], a[2], a[3], where, ctx.budget);
    },
  };
  g.set('torch._utils._rebuild_tensor_v2', rebuildV2);
  // Parameters are tensors here; requires_grad, hooks and python state do not matter for weights.
  const parameter: GlobalImpl = {
    call: (a) => {
      if (!isStoredTensor(a[0])) throw new PthError(where, 'a parameter was rebuilt from something that is not a tensor');
      return a[0];
    },
  };
  g.set('torch._utils._rebuild_parameter', parameter);
  g.set('torch._utils._rebuild_parameter_with_state', parameter);
  // Type markers: only usable as arguments of the functions above.
  g.set('torch.Tensor', {});
  g.set('torch.nn.parameter.Parameter', {});
  g.set('torch._tensor._rebuild_from_type_v2', {
    call: (a) => {
      const [fn, newType, args] = a;
      if (!(fn instanceof PickleGlobal) || !fn.impl.call) throw new PthError(where, '_rebuild_from_type_v2 got a function that is not an allowed tensor rebuild function');
      if (!(newType instanceof PickleGlobal) || !['torch.Tensor', 'torch.nn.parameter.Parameter'].includes(newType.qualifiedName)) {
        throw new PthError(where, '_rebuild_from_type_v2 asks for a tensor subclass, which is not supported');
      }
      if (!Array.isArray(args)) throw new PthError(where, '_rebuild_from_type_v2 got arguments that are not a tuple');
      return fn.impl.call(args);
    },
  });
  for (const name of Object.keys(STORAGE_DTYPES)) {
    g.set(`torch.${name}`, {});
  }
  g.set('torch.storage.UntypedStorage', {});
  return g;
}

function persistentLoad(ctx: ArchiveContext, pid: unknown): PthStorage {
  const fail = (m: string): never => {
    throw new PthError(ctx.where, m);
  };
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) return fail(`unsupported persistent id ${showValue(pid)} (expected ('storage', type, key, location, numel))`);
  const [, type, key, location, numel] = pid as unknown[];
  if (!(type instanceof PickleGlobal)) return fail(`persistent id names storage type ${showValue(type)}, not a torch storage class`);
  const dtype = STORAGE_DTYPES[type.name];
  if (!dtype) return fail(`storage type '${type.qualifiedName}' is not supported`);
  if (typeof key !== 'string') return fail(`storage key ${showValue(key)} is not a string`);
  const shown = showName(key);
  const n = intArg(numel, `storage '${shown}' element count`, fail);
  const cached = ctx.storages.get(key);
  if (cached) return cached;
  const entryName = `${ctx.prefix}data/${key}`;
  if (!ctx.zip.has(entryName)) fail(`the pickle references storage '${shown}' but the archive has no entry '${showName(entryName)}' (incomplete archive)`);
  const item = ITEM_SIZE[dtype];
  const maxValues = limit('maxCheckpointValues');
  if (ctx.budget.storageValues + n > maxValues) {
    fail(`storage '${shown}' (${n} ${dtype} values) would bring the checkpoint over the limit of ${maxValues} values (DIFF_MAMBA_MAX_CHECKPOINT_VALUES; docs/limits.md)`);
  }
  const entry = ctx.zip.entry(entryName)!;
  if (entry.uncompressedSize < n * item) fail(`storage '${shown}' should hold ${n} ${dtype} elements (${n * item} bytes) but its entry has ${entry.uncompressedSize} bytes`);
  // the storage's own size is all its entry may inflate to
  let bytes = ctx.zip.read(entry, { maxBytes: n * item, what: `storage '${shown}' of ${n} ${dtype} values` });
  if (bytes.length < n * item) fail(`storage '${shown}' should hold ${n} ${dtype} elements (${n * item} bytes) but its entry has ${bytes.length} bytes`);
  ctx.budget.storageValues += n;
  if (ctx.bigEndian && item > 1) bytes = swapBytes(bytes, item);
  const storage: PthStorage = { kind: 'storage', dtype, key, location: typeof location === 'string' ? location : String(location), numel: n, bytes };
  ctx.storages.set(key, storage);
  return storage;
}

function swapBytes(src: Uint8Array, item: number): Uint8Array {
  const out = new Uint8Array(src.length - (src.length % item));
  for (let i = 0; i < out.length; i += item) for (let j = 0; j < item; j++) out[i + j] = src[i + item - 1 - j];
  return out;
}

/** Finds `<top>/data.pkl`; the top folder is the archive's name at save time, not always 'archive'. */
function findPickle(zip: ZipReader, where: string): string {
  const names = zip.entries.map((e) => e.name);
  const candidates = names.filter((n) => n === 'data.pkl' || (n.endsWith('/data.pkl') && n.indexOf('/') === n.length - '/data.pkl'.length));
  if (candidates.length === 1) return candidates[0].slice(0, -'data.pkl'.length);
  if (candidates.length > 1) throw new PthError(where, `the archive holds several pickles (${candidates.slice(0, 3).map((n) => showName(n)).join(', ')}${candidates.length > 3 ? ', …' : ''}); expected one '<top>/data.pkl'`);
  if (names.some((n) => n.endsWith('/constants.pkl') || n.includes('/code/'))) throw new PthError(where, 'this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save the state_dict with torch.save instead');
  throw new PthError(where, `the zip archive has no '<top>/data.pkl' entry, so it is not a torch.save checkpoint (entries: ${names.slice(0, 5).map((n) => showName(n, 40)).join(', ')}${names.length > 5 ? ', …' : ''})`);
}

/** Unpickles a torch.save zip archive already opened; tensors become StoredTensor, dicts Maps, lists arrays, tuples frozen arrays. */
export function loadPthFromZip(zip: ZipReader, where: string): unknown {
  const prefix = findPickle(zip, where);
  let bigEndian = false;
  const orderName = `${prefix}byteorder`;
  if (zip.has(orderName)) {
    const order = new TextDecoder().decode(zip.read(orderName, { maxBytes: 64, what: 'the byte order' })).trim();
    if (order === 'big') bigEndian = true;
    else if (order !== 'little') throw new PthError(where, `unknown byteorder '${showName(order, 20)}' in '${showName(orderName)}'`);
  }
  const ctx: ArchiveContext = { where, zip, prefix, bigEndian, storages: new Map(), budget: { values: 0, storageValues: 0 } };
  const maxPickle = limit('maxPickleBytes');
  return unpickle(zip.read(`${prefix}data.pkl`, { maxBytes: maxPickle, what: 'a pickle of tensors (DIFF_MAMBA_MAX_PICKLE_BYTES; docs/limits.md)' }), {
    where,
    globals: torchGlobals(ctx),
    persistentLoad: (pid) => persistentLoad(ctx, pid),
  });
}

/** Loads a torch.save checkpoint from a file without running any code. */
export function loadPth(path: string): unknown {
  const zip = ZipReader.open(path);
  try {
    return loadPthFromZip(zip, path);
  } finally {
    zip.close();
  }
}

/** Same as loadPth, from bytes in memory. */
export function parsePth(buf: Uint8Array, where = 'torch checkpoint'): unknown {
  return loadPthFromZip(ZipReader.fromBuffer(buf, where), where);
}

export { PickleError };
