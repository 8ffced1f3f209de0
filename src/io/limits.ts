/**
 * The limits that keep hostile or careless input from hanging the process or exhausting its
 * memory. Each has a default chosen for a CPU machine and an environment variable that
 * changes it (docs/limits.md lists them, with what is refused and why). Values are read when
 * used, so a test or a long-running service can change `process.env` between calls.
 */

import { envVar } from '../util/env.js';

export interface LimitSpec {
  /** The environment variable that overrides the default. */
  env: string;
  default: number;
  /** What the limit bounds, for messages and docs. */
  what: string;
}

export const LIMITS = {
  /** Largest width × height an image may have before it is decoded (readImage's default maxPixels). */
  maxPixels: { env: 'DIFF_MAMBA_MAX_PIXELS', default: 40_000_000, what: 'pixels per image' },
  /** Largest number of values (all tensors together) a checkpoint may hold. */
  maxCheckpointValues: { env: 'DIFF_MAMBA_MAX_CHECKPOINT_VALUES', default: 600_000_000, what: 'values in a checkpoint' },
  /** Largest number of parameters a network configuration may describe before it is built. */
  maxParameters: { env: 'DIFF_MAMBA_MAX_PARAMETERS', default: 150_000_000, what: 'network parameters' },
  /** Largest number of bytes the deflated entries of one .pth archive may inflate to, together (torch.save stores entries uncompressed). */
  maxInflatedBytes: { env: 'DIFF_MAMBA_MAX_INFLATED_BYTES', default: 256 * 1024 * 1024, what: 'bytes inflated from compressed zip entries' },
  /** Largest size of a .pth archive's pickle (data.pkl); torch writes about 100 bytes per tensor. */
  maxPickleBytes: { env: 'DIFF_MAMBA_MAX_PICKLE_BYTES', default: 64 * 1024 * 1024, what: 'bytes of pickle' },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;

/** The limit in force: the environment variable when it holds a positive number, else the default. */
export function limit(name: LimitName): number {
  const spec = LIMITS[name];
  const raw = envVar(spec.env);
  if (raw === undefined || raw.trim() === '') return spec.default;
  const v = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(v) || v <= 0) throw new LimitError(`${spec.env}=${raw} is not a positive number`);
  return Math.floor(v);
}

/** A limit set wrongly in the environment. */
export class LimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

/** Fixed bounds of the readers (not configurable: nothing legitimate comes near them). */
export const FIXED_LIMITS = {
  /** Pickle integers (LONG1/LONG4) longer than this many bytes are refused; torch writes at most 8. */
  pickleLongBytes: 1024,
  /** Memo entries a pickle may store. */
  pickleMemoEntries: 10_000_000,
  /** Dimensions of one tensor. */
  tensorDims: 64,
  /** Tensors in one checkpoint. */
  checkpointTensors: 1_000_000,
  /** Zip entries other than storages (version, byteorder, …) are read only when at most this big. */
  zipSmallEntryBytes: 1024 * 1024,
} as const;

/**
 * Renders any value (a parsed pickle, JSON, a YAML tree) as short one-line text for a message:
 * depth, items and length are bounded, and each container is shown once, so shared or
 * self-referencing structure never expands (a DAG of 2^k leaves costs as much as its k nodes).
 */
export function showValue(v: unknown, opts: { maxDepth?: number; maxItems?: number; maxChars?: number } = {}): string {
  const maxDepth = opts.maxDepth ?? 3;
  const maxItems = opts.maxItems ?? 6;
  const maxChars = opts.maxChars ?? 120;
  const seen = new Set<object>();
  let budget = 64; // containers rendered in all
  const go = (x: unknown, depth: number): string => {
    if (x === null || x === undefined) return 'None';
    if (typeof x === 'string') return `'${clip(oneLine(x), 40)}'`;
    if (typeof x === 'number' || typeof x === 'boolean') return String(x);
    if (typeof x === 'bigint') {
      const s = x.toString(16);
      return s.length > 20 ? `<integer of ${Math.ceil(s.length / 2)} bytes>` : x.toString();
    }
    if (typeof x !== 'object') return `<${typeof x}>`;
    if (x instanceof Uint8Array) return `<${x.length} bytes>`;
    if (ArrayBuffer.isView(x)) return `<array of ${(x as unknown as { length: number }).length}>`;
    const named = (x as { qualifiedName?: unknown }).qualifiedName;
    if (typeof named === 'string') return named;
    if (seen.has(x)) return '…(shared)';
    if (depth >= maxDepth || budget <= 0) return Array.isArray(x) ? '[…]' : x instanceof Map || x instanceof Set ? '{…}' : '<object>';
    seen.add(x);
    budget--;
    if (Array.isArray(x)) {
      const frozen = Object.isFrozen(x);
      const items = x.slice(0, maxItems).map((y) => go(y, depth + 1));
      if (x.length > maxItems) items.push(`… ${x.length - maxItems} more`);
      return frozen ? `(${items.join(', ')}${x.length === 1 ? ',' : ''})` : `[${items.join(', ')}]`;
    }
    if (x instanceof Map) {
      const items: string[] = [];
      for (const [k, y] of x) {
        if (items.length >= maxItems) {
          items.push(`… ${x.size - maxItems} more`);
          break;
        }
        items.push(`${go(k, depth + 1)}: ${go(y, depth + 1)}`);
      }
      return `{${items.join(', ')}}`;
    }
    if (x instanceof Set) return `{set of ${x.size}}`;
    const keys = Object.keys(x);
    const items = keys.slice(0, maxItems).map((k) => `${clip(oneLine(k), 30)}: ${go((x as Record<string, unknown>)[k], depth + 1)}`);
    if (keys.length > maxItems) items.push(`… ${keys.length - maxItems} more`);
    return `{${items.join(', ')}}`;
  };
  return clip(go(v, 0), maxChars);
}

/** A name from a file (a tensor, a key, an entry) fit for a one-line message: control characters escaped, long names cut. */
export function showName(name: string, max = 80): string {
  return clip(oneLine(name), max);
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The error names of the project's own error classes: these messages are written for users. */
export const PROJECT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'TensorError',
  'StateDictError',
  'ModelDisposedError',
  'SafetensorsError',
  'CheckpointError',
  'PthError',
  'PickleError',
  'ZipError',
  'PthWriteError',
  'MatError',
  'ImageIOError',
  'OutputExistsError',
  'DegradeError',
  'ConfigError',
  'OptionsError',
  'DatasetError',
  'MetricError',
  'RestoreAbortedError',
  'TrainingStateError',
  'TrainingError',
  'LimitError',
  'UsageError',
  'NonFiniteError',
  'FileWriteError',
]);

/** True for an error of one of the project's own classes (not a bare TypeError / RangeError / SyntaxError). */
export function isProjectError(e: unknown): boolean {
  return e instanceof Error && PROJECT_ERROR_NAMES.has(e.name);
}
