import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { readSafetensors, type StoredTensor } from './safetensors.js';
import { isStoredTensor, loadPth } from './pth/load.js';
import { PTH_METADATA_KEY } from './pth/save.js';
import { showName, showValue } from './limits.js';

/** Checkpoint loading by content, for the authors' .pth files and our .safetensors. */

export class CheckpointError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'CheckpointError';
  }
}

export interface LoadedStateDict {
  /** Parameter name → tensor, in the file's order, `module.` prefixes removed. */
  tensors: Map<string, StoredTensor>;
  /** safetensors `__metadata__`; for .pth, the string dict we write under 'diff_mamba' (else empty). */
  metadata: Record<string, string>;
  /** The top-level key the state dict came from ('params_ema', 'params', ...), if any. */
  sourceKey?: string;
  /** Top-level keys of a wrapped checkpoint (empty for a bare state dict or a safetensors file). */
  availableKeys: string[];
  format: 'pth' | 'safetensors';
}

export interface LoadStateDictOptions {
  /** Top-level key holding the state dict; default 'params_ema', else 'params', else the bare dict. */
  key?: string;
}

export type CheckpointFormat = 'pth' | 'safetensors' | 'legacy-pth' | 'unknown';

/** Looks at the first bytes; the extension is only a hint. */
export function detectCheckpointFormat(path: string): CheckpointFormat {
  let fd: number;
  try {
    // a folder, a FIFO or a device is not a checkpoint (and opening a FIFO would wait forever)
    if (!statSync(path).isFile()) throw new CheckpointError(path, 'is not a file');
    fd = openSync(path, 'r');
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(path, code === 'ENOENT' ? 'no such checkpoint file' : `cannot read checkpoint (${code ?? (e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 9));
    readSync(fd, head, 0, head.length, 0);
    return classify(head, size);
  } finally {
    closeSync(fd);
  }
}

function classify(head: Uint8Array, size: number): CheckpointFormat {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'pth';
  // Pre-1.6 torch.save: a protocol-2 pickle starting with the LONG1 magic number.
  if (head.length >= 3 && head[0] === 0x80 && head[1] === 0x02 && head[2] === 0x8a) return 'legacy-pth';
  if (head.length >= 9 && head[8] === 0x7b /* '{' */) {
    const n = Buffer.from(head.buffer, head.byteOffset, 8).readBigUInt64LE(0);
    if (n + 8n <= BigInt(size)) return 'safetensors';
  }
  return 'unknown';
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (isStoredTensor(v)) return 'a tensor';
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  return `a ${typeof v}`;
}

function stripModule(entries: Iterable<[string, StoredTensor]>): Map<string, StoredTensor> {
  // DataParallel saves 'module.<name>'; the authors' loader strips it.
  const out = new Map<string, StoredTensor>();
  for (const [k, v] of entries) out.set(k.startsWith('module.') ? k.slice(7) : k, v);
  return out;
}

function asStateDict(v: unknown, where: string, what: string): Map<string, StoredTensor> {
  if (!(v instanceof Map)) throw new CheckpointError(where, `${what} is ${describe(v)}, not a state dict`);
  const out: [string, StoredTensor][] = [];
  for (const [k, t] of v) {
    if (typeof k !== 'string') throw new CheckpointError(where, `${what} has a non-string key ${showValue(k)}`);
    if (!isStoredTensor(t)) throw new CheckpointError(where, `${what} entry '${showName(k)}' is ${describe(t)}, not a tensor`);
    out.push([k, t]);
  }
  return stripModule(out);
}

/** Our own .pth files carry `{'diff_mamba': {'config': …, …}}` beside the state dicts (see saveModelPth). */
function pthMetadata(root: Map<unknown, unknown>): Record<string, string> {
  const m = root.get(PTH_METADATA_KEY);
  if (!(m instanceof Map)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of m) if (typeof k === 'string' && typeof v === 'string') out[k] = v;
  return out;
}

/** The top-level keys for a message: quoted, the first ten. */
function listKeys(keys: string[]): string {
  if (keys.length === 0) return '(none)';
  return keys.slice(0, 10).map((k) => `'${showName(k, 40)}'`).join(', ') + (keys.length > 10 ? ` and ${keys.length - 10} more` : '');
}

function isBareStateDict(v: Map<unknown, unknown>): boolean {
  for (const t of v.values()) if (!isStoredTensor(t)) return false;
  return v.size > 0;
}

/**
 * Loads a state dict from a torch.save checkpoint (.pth/.pt, BasicSR layout
 * `{'params': sd, 'params_ema': sd}` or a bare state dict) or a .safetensors file.
 */
export function loadStateDict(path: string, options: LoadStateDictOptions = {}): LoadedStateDict {
  const format = detectCheckpointFormat(path);
  if (format === 'safetensors') {
    const { tensors, metadata } = readSafetensors(path);
    if (options.key !== undefined) {
      // A flattened wrapper ('params_ema.<name>') is the only way a safetensors file can hold several dicts.
      const prefix = `${options.key}.`;
      const picked = [...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t] as [string, StoredTensor]);
      if (picked.length === 0) throw new CheckpointError(path, `key '${options.key}' not found: this safetensors file has no tensors named '${prefix}*'`);
      return { tensors: stripModule(picked), metadata, sourceKey: options.key, availableKeys: [], format };
    }
    return { tensors: stripModule(tensors), metadata, availableKeys: [], format };
  }
  if (format === 'legacy-pth') throw new CheckpointError(path, 'this is a pre-1.6 torch.save file (non-zip format), which is not supported; re-save it with torch >= 1.6 (torch.save(torch.load(f), f)) or convert it to safetensors');
  if (format === 'unknown') throw new CheckpointError(path, 'unknown checkpoint format: expected a torch.save zip archive (.pth/.pt) or a .safetensors file');

  const root = loadPth(path);
  if (!(root instanceof Map)) throw new CheckpointError(path, `the checkpoint holds ${describe(root)}, not a dict`);
  const availableKeys = [...root.keys()].filter((k): k is string => typeof k === 'string');
  const bare = isBareStateDict(root);
  if (options.key !== undefined) {
    if (!root.has(options.key)) {
      throw new CheckpointError(path, `key '${showName(options.key)}' not found; ${bare ? 'the checkpoint is a bare state dict with no top-level keys to choose from' : `available keys: ${listKeys(availableKeys)}`}`);
    }
    return { tensors: asStateDict(root.get(options.key), path, `key '${options.key}'`), metadata: pthMetadata(root), sourceKey: options.key, availableKeys, format };
  }
  for (const key of ['params_ema', 'params']) {
    if (root.has(key)) return { tensors: asStateDict(root.get(key), path, `key '${key}'`), metadata: pthMetadata(root), sourceKey: key, availableKeys, format };
  }
  if (bare) return { tensors: asStateDict(root, path, 'the state dict'), metadata: {}, availableKeys: [], format };
  throw new CheckpointError(path, `no state dict found: the checkpoint has neither 'params_ema' nor 'params' and is not a dict of tensors; pass a key (available keys: ${listKeys(availableKeys)})`);
}
