import { FIXED_LIMITS, showName } from '../limits.js';

/**
 * A restricted pickle reader. Python's pickle is a small stack machine whose GLOBAL and
 * REDUCE opcodes can import and call anything, which is how a malicious checkpoint runs
 * code. This VM only knows the opcodes torch.save emits and resolves globals from an
 * explicit allow-list of plain-data implementations written here in TypeScript, so a
 * pickle can build containers and tensors and nothing else.
 */

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** What the VM does with an allowed global. */
export interface GlobalImpl {
  /** REDUCE: `global(*args)`. */
  call?: (args: readonly unknown[]) => unknown;
  /** NEWOBJ: `cls.__new__(cls, *args)`. */
  newobj?: (args: readonly unknown[]) => unknown;
  /** BUILD on an object this global created (`obj.__setstate__(state)`); returns the object. */
  build?: (obj: unknown, state: unknown) => unknown;
}

/** A resolved, allowed global as it sits on the pickle stack (e.g. a storage type marker). */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly impl: GlobalImpl,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface UnpickleOptions {
  /** Names the file in error messages. */
  where: string;
  /** Allowed globals by qualified name ('collections.OrderedDict'). Everything else is refused. */
  globals: ReadonlyMap<string, GlobalImpl>;
  /** BINPERSID: turns a persistent id into an object (torch: a storage reference). */
  persistentLoad?: (pid: unknown) => unknown;
}

/** Attribute state given by BUILD to dicts (e.g. a state_dict's `_metadata`), kept aside. */
export const dictAttributes = new WeakMap<Map<unknown, unknown>, unknown>();

const MARK = Symbol('mark');

const OPNAMES: Record<number, string> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT',
  0x94: 'MEMOIZE', 0x68: 'BINGET', 0x6a: 'LONG_BINGET', 0x7d: 'EMPTY_DICT', 0x64: 'DICT', 0x5d: 'EMPTY_LIST',
  0x6c: 'LIST', 0x29: 'EMPTY_TUPLE', 0x74: 'TUPLE', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x28: 'MARK',
  0x73: 'SETITEM', 0x75: 'SETITEMS', 0x61: 'APPEND', 0x65: 'APPENDS', 0x4a: 'BININT', 0x4b: 'BININT1',
  0x4d: 'BININT2', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x47: 'BINFLOAT', 0x8c: 'SHORT_BINUNICODE', 0x58: 'BINUNICODE',
  0x8d: 'BINUNICODE8', 0x55: 'SHORT_BINSTRING', 0x54: 'BINSTRING', 0x43: 'SHORT_BINBYTES', 0x42: 'BINBYTES',
  0x8e: 'BINBYTES8', 0x96: 'BYTEARRAY8', 0x4e: 'NONE', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x52: 'REDUCE',
  0x62: 'BUILD', 0x51: 'BINPERSID', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK',
  0x32: 'DUP', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  // Recognised only to be refused with a precise message:
  0x69: 'INST', 0x6f: 'OBJ', 0x50: 'PERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

function describeOp(op: number): string {
  const printable = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : '';
  return `0x${op.toString(16).padStart(2, '0')}${printable}${OPNAMES[op] ? ` (${OPNAMES[op]})` : ''}`;
}

function refusalMessage(where: string, qualified: string): string {
  return `refusing to load ${where}: pickle references the global '${showName(qualified)}', which is not a tensor or a plain container; loading it would run code`;
}

/** Makes a Python tuple: a frozen array. */
function tuple(items: unknown[]): readonly unknown[] {
  return Object.freeze(items);
}

function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleGlobal) return `global '${v.qualifiedName}'`;
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'tuple' : 'list';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

/** Runs a pickle under the allow-list and returns the object STOP finds on the stack. */
export function unpickle(data: Uint8Array, options: UnpickleOptions): unknown {
  const { where, globals } = options;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const memoize = (idx: number, v: unknown): void => {
    if (memo.size >= FIXED_LIMITS.pickleMemoEntries && !memo.has(idx)) fail(`more than ${FIXED_LIMITS.pickleMemoEntries} memo entries (corrupt or hostile pickle)`);
    memo.set(idx, v);
  };
  let pos = 0;
  let opStart = 0;
  let op = 0;

  const fail = (msg: string): never => {
    throw new PickleError(`${where}: ${msg} [pickle opcode ${describeOp(op)} at offset ${opStart}]`);
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > data.length) fail(`pickle data ends after ${data.length} bytes, needing ${n} more at offset ${pos} (truncated or corrupt)`);
    const p = pos;
    pos += n;
    return p;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('stack underflow (corrupt pickle)');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('stack underflow (corrupt pickle)');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack (corrupt pickle)');
    return stack.splice(m as number);
  };
  const readLine = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line (truncated or corrupt pickle)');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const readString = (n: number): string => {
    const p = need(n);
    try {
      return utf8.decode(data.subarray(p, p + n));
    } catch {
      return fail('string is not valid UTF-8 (corrupt pickle)');
    }
  };
  const readBytes = (n: number): Uint8Array => {
    const p = need(n);
    return data.slice(p, p + n);
  };
  const readU64 = (): number => {
    const p = need(8);
    const v = view.getBigUint64(p, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is impossibly large (corrupt pickle)`);
    return Number(v);
  };
  const resolveGlobal = (module: string, name: string): PickleGlobal => {
    const qualified = `${module}.${name}`;
    const impl = globals.get(qualified);
    if (!impl) throw new PickleError(refusalMessage(where, qualified));
    return new PickleGlobal(module, name, impl);
  };
  const readLong = (n: number): number | bigint => {
    // torch writes at most 8 bytes; a long one would only cost time (and BigInt arithmetic on it more)
    if (n > FIXED_LIMITS.pickleLongBytes) fail(`an integer of ${n} bytes exceeds the limit of ${FIXED_LIMITS.pickleLongBytes} bytes (corrupt or hostile pickle)`);
    const p = need(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += data[p + i].toString(16).padStart(2, '0');
    let v = BigInt(`0x${hex}`);
    if (data[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) fail(`cannot set items on a ${typeName(dict)}`);
    if (items.length % 2) fail('odd number of items for a dict (corrupt pickle)');
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list) || Object.isFrozen(list)) fail(`cannot append to a ${typeName(list)}`);
    // one at a time: spreading a million items would overflow the call stack
    for (const it of items) (list as unknown[]).push(it);
  };
  const argsOf = (v: unknown): readonly unknown[] => {
    if (!Array.isArray(v)) fail(`arguments are a ${typeName(v)}, not a tuple (corrupt pickle)`);
    return v as unknown[];
  };
  // Remembers which global built an object, so BUILD can dispatch to that global's `build`.
  const builtBy = new WeakMap<object, PickleGlobal>();
  const made = (g: PickleGlobal, obj: unknown): unknown => {
    if (typeof obj === 'object' && obj !== null) builtBy.set(obj, g);
    return obj;
  };

  while (true) {
    opStart = pos;
    if (pos >= data.length) {
      op = 0;
      fail('pickle data ends without a STOP opcode (truncated)');
    }
    op = data[pos++];
    switch (op) {
      case 0x80: // PROTO
        if (data[need(1)] > 5) fail(`pickle protocol ${data[pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: framing is only a buffering hint
        need(8);
        break;
      case 0x63: {
        // GLOBAL
        const module = readLine();
        const name = readLine();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x71: // BINPUT
        memoize(data[need(1)], top());
        break;
      case 0x72: // LONG_BINPUT
        memoize(view.getUint32(need(4), true), top());
        break;
      case 0x94: // MEMOIZE
        memoize(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const idx = op === 0x68 ? data[need(1)] : view.getUint32(need(4), true);
        if (!memo.has(idx)) fail(`memo entry ${idx} was never stored (corrupt pickle)`);
        stack.push(memo.get(idx));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const d = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`cannot add items to a ${typeName(s)}`);
        for (const it of items) (s as Set<unknown>).add(it);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(data[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x8a: // LONG1
        stack.push(readLong(data[need(1)]));
        break;
      case 0x8b: {
        // LONG4
        const n = view.getInt32(need(4), true);
        if (n < 0) fail('negative LONG4 length (corrupt pickle)');
        stack.push(readLong(n));
        break;
      }
      case 0x47: // BINFLOAT (big-endian, unlike everything else)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(readString(data[need(1)]));
        break;
      case 0x58: // BINUNICODE
        stack.push(readString(view.getUint32(need(4), true)));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(readString(readU64()));
        break;
      case 0x55: {
        // SHORT_BINSTRING (python 2 str)
        const n = data[need(1)];
        const p = need(n);
        stack.push(latin1.decode(data.subarray(p, p + n)));
        break;
      }
      case 0x54: {
        // BINSTRING
        const n = view.getInt32(need(4), true);
        const p = need(n);
        stack.push(latin1.decode(data.subarray(p, p + n)));
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(readBytes(data[need(1)]));
        break;
      case 0x42: // BINBYTES
        stack.push(readBytes(view.getUint32(need(4), true)));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(readBytes(readU64()));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x30: // POP
        if (marks.length && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x52: {
        // REDUCE
        const args = argsOf(pop());
        const fn = pop();
        if (!(fn instanceof PickleGlobal)) fail(`REDUCE calls a ${typeName(fn)}, which is not callable`);
        const g = fn as PickleGlobal;
        if (!g.impl.call) fail(`the global '${g.qualifiedName}' cannot be called`);
        stack.push(made(g, g.impl.call!(args)));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = argsOf(pop());
        const cls = pop();
        if (!(cls instanceof PickleGlobal) || !cls.impl.newobj) fail(`NEWOBJ cannot instantiate a ${typeName(cls)}`);
        const g = cls as PickleGlobal;
        stack.push(made(g, g.impl.newobj!(args)));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        const g = typeof obj === 'object' && obj !== null ? builtBy.get(obj) : undefined;
        if (g?.impl.build) {
          stack[stack.length - 1] = g.impl.build(obj, state);
        } else if (obj instanceof Map) {
          // e.g. a state_dict OrderedDict carrying its `_metadata` attribute.
          dictAttributes.set(obj, state);
        } else {
          fail(`cannot set the state of a ${typeName(obj)}`);
        }
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent ids are not allowed here');
        stack.push(options.persistentLoad!(pid));
        break;
      }
      case 0x2e: // STOP
        if (stack.length === 0) fail('STOP with an empty stack (corrupt pickle)');
        return stack[stack.length - 1];
      default:
        throw new PickleError(
          OPNAMES[op]
            ? `${where}: pickle opcode ${describeOp(op)} at offset ${opStart} is not supported by this restricted reader`
            : `${where}: unknown pickle opcode ${describeOp(op)} at offset ${opStart} (corrupt data or not a pickle)`,
        );
    }
  }
}

/** Containers every torch.save pickle may use. */
export const CONTAINER_GLOBALS: ReadonlyMap<string, GlobalImpl> = new Map<string, GlobalImpl>([
  [
    'collections.OrderedDict',
    {
      call: (args) => {
        const m = new Map<unknown, unknown>();
        // OrderedDict(iterable_of_pairs) is legal python; accept a list of pairs.
        if (args.length > 0 && Array.isArray(args[0])) for (const pair of args[0] as unknown[]) if (Array.isArray(pair) && pair.length === 2) m.set(pair[0], pair[1]);
        return m;
      },
      newobj: () => new Map(),
    },
  ],
]);
