// Reading a parsed YAML document key by key: typed getters that name the key path in every
// error, record which keys were read (for the unknown-key check), and "did you mean".
import { showValue } from '../../io/limits.js';
import { OptionsError, type IgnoredKey } from './types.js';

/**
 * PyYAML constructs an explicit `!!float 300` or `!!float 5e3` (the authors' files are full of
 * them) although neither matches YAML's implicit float pattern; resolve them the same way.
 */
export const explicitFloat = {
  tag: 'tag:yaml.org,2002:float',
  resolve(str: string, onError: (msg: string) => void): number {
    const v = Number(str.replace(/_/g, ''));
    if (Number.isNaN(v) && !/^[-+]?\.nan$/i.test(str)) onError(`!!float ${str} is not a number`);
    return /^[-+]?\.inf$/i.test(str) ? (str.startsWith('-') ? -Infinity : Infinity) : v;
  },
};

export type Obj = Record<string, unknown>;

/** Walks the parsed YAML, recording which keys were read. */
export class Reader {
  readonly read = new Set<string>();
  readonly unsupported: IgnoredKey[] = [];
  readonly warnings: string[] = [];
  constructor(readonly file: string | null) {}

  err(path: string, msg: string): never {
    throw new OptionsError(path, msg, this.file);
  }

  private mark(path: string): void {
    this.read.add(path);
  }

  has(o: Obj | undefined, key: string): boolean {
    return !!o && o[key] !== undefined && o[key] !== null;
  }

  raw(o: Obj | undefined, key: string, path: string): unknown {
    this.mark(path);
    return o ? o[key] : undefined;
  }

  obj(o: Obj | undefined, key: string, path: string, required = false): Obj | undefined {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (required) this.err(path, 'is required');
      return undefined;
    }
    if (typeof v !== 'object' || Array.isArray(v)) this.err(path, `must be a mapping, got ${describe(v)}`);
    return v as Obj;
  }

  num(o: Obj | undefined, key: string, path: string, def: number | undefined, c: { int?: boolean; min?: number; max?: number; gt?: number } = {}): number {
    let v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (def === undefined) this.err(path, 'is required');
      return def;
    }
    v = toNumber(v, path, this);
    return checkNum(v as number, path, c, this);
  }

  str(o: Obj | undefined, key: string, path: string, def: string | undefined): string {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (def === undefined) this.err(path, 'is required');
      return def;
    }
    if (typeof v !== 'string') this.err(path, `must be a string, got ${describe(v)}`);
    return v;
  }

  optStr(o: Obj | undefined, key: string, path: string): string | null {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') this.err(path, `must be a string or ~, got ${describe(v)}`);
    return v;
  }

  bool(o: Obj | undefined, key: string, path: string, def: boolean): boolean {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') this.err(path, `must be true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(o: Obj | undefined, key: string, path: string, def: T | undefined, allowed: readonly T[]): T {
    const v = this.str(o, key, path, def);
    if (!(allowed as readonly string[]).includes(v)) this.err(path, `must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T;
  }

  nums(o: Obj | undefined, key: string, path: string, def: number[] | undefined, c: { int?: boolean; min?: number; max?: number; gt?: number; length?: number } = {}): number[] {
    const v = this.raw(o, key, path);
    if (v === undefined || v === null) {
      if (def === undefined) this.err(path, 'is required');
      return [...def];
    }
    if (!Array.isArray(v)) this.err(path, `must be a list of numbers, got ${describe(v)}`);
    if (c.length !== undefined && v.length !== c.length) this.err(path, `must have ${c.length} entries, got ${v.length}`);
    if (v.length === 0) this.err(path, 'must not be empty');
    return v.map((x, i) => checkNum(toNumber(x, `${path}[${i}]`, this), `${path}[${i}]`, c, this));
  }

  /** A key we accept but do not act on. */
  ignore(o: Obj | undefined, key: string, path: string, reason: string): void {
    if (o && key in o) {
      this.mark(path);
      this.unsupported.push({ path, reason });
    }
  }
}

export function describe(v: unknown): string {
  if (v === null) return '~';
  if (Array.isArray(v)) return `a list (${showValue(v, { maxChars: 40 })})`;
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 59)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function toNumber(v: unknown, path: string, r: Reader): number {
  if (typeof v === 'number') return v;
  // PyYAML (YAML 1.1) needs `!!float 3e-4`; a plain string that is a number is accepted.
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return r.err(path, `must be a number, got ${describe(v)}`);
}

function checkNum(v: number, path: string, c: { int?: boolean; min?: number; max?: number; gt?: number }, r: Reader): number {
  if (!Number.isFinite(v)) r.err(path, `must be finite, got ${v}`);
  if (c.int && !Number.isInteger(v)) r.err(path, `must be an integer, got ${v}`);
  if (c.min !== undefined && v < c.min) r.err(path, `must be ≥ ${c.min}, got ${v}`);
  if (c.max !== undefined && v > c.max) r.err(path, `must be ≤ ${c.max}, got ${v}`);
  if (c.gt !== undefined && !(v > c.gt)) r.err(path, `must be > ${c.gt}, got ${v}`);
  return v;
}

/** Every key path of the document (mappings only; list items are values); each mapping once, so aliases cannot loop. */
export function allPaths(o: unknown, prefix: string, out: string[], seen = new Set<object>(), depth = 0): string[] {
  if (o && typeof o === 'object' && !Array.isArray(o) && !seen.has(o) && depth < 32) {
    seen.add(o);
    for (const [k, v] of Object.entries(o as Obj)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      allPaths(v, p, out, seen, depth + 1);
    }
  }
  return out;
}

/** Edit distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The known key of the same mapping closest to `path`'s last component, if it is close. */
export function didYouMean(path: string, known: Iterable<string>): string | null {
  const cut = path.lastIndexOf('.');
  const parent = cut < 0 ? '' : path.slice(0, cut);
  const key = path.slice(cut + 1).toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const c = k.lastIndexOf('.');
    if ((c < 0 ? '' : k.slice(0, c)) !== parent) continue;
    const name = k.slice(c + 1);
    const d = editDistance(key, name.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}
