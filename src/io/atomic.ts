import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputExistsError } from './output-exists.js';

/** A file that could not be written (disk full, no permission, …); the message names it. */
export class FileWriteError extends Error {
  constructor(path: string, message: string, readonly code?: string) {
    super(`${path}: ${message}`);
    this.name = 'FileWriteError';
  }
}

/**
 * mkdir -p, one level at a time. Node's own recursive mkdirSync never returns under /proc
 * and /sys (it retries ENOENT forever), so every folder here is made with a plain mkdir and
 * any refusal is an error naming the folder.
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) throw new FileWriteError(path, `${p} is a file, not a folder`, 'ENOTDIR');
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      throw new FileWriteError(dir, `cannot create the folder (${code ?? (e as Error).message})`, code);
    }
  }
}

const TMP_RE = /\.tmp-(\d+)$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the `<name>.tmp-<pid>` files that writeFileAtomic left in `dir` when a process was
 * killed mid-write (those of live processes stay). Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = TMP_RE.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, n));
      removed.push(n);
    } catch {
      // another process got there first, or it is not ours to remove
    }
  }
  return removed;
}

function fsyncPath(path: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // folders cannot be fsynced everywhere (Windows, some network file systems): best effort
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Writes bytes to `path` through a temporary file, fsynced, renamed over the target, and the
 * folder fsynced, so neither a crash nor a power cut leaves half a file. With
 * `overwrite: false` an existing file is an OutputExistsError (checked by the file system, not
 * before: no race). Temporary files that
 * killed processes left in the folder are removed first; this one is removed on failure.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, opts: { overwrite?: boolean } = {}): void {
  const dir = dirname(path);
  const tmp = join(dir, `${basename(path)}.tmp-${process.pid}`);
  let fd: number | null = null;
  try {
    makeDirs(dir);
    removeStaleTempFiles(dir);
    fd = openSync(tmp, 'w');
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    if (opts.overwrite ?? true) renameSync(tmp, path);
    else {
      // a hard link fails if the target exists, so an existing file is never replaced
      try {
        linkSync(tmp, path);
        unlinkSync(tmp);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || existsSync(path)) throw e;
        // a file system without hard links: check, then rename (not race-free, but close)
        renameSync(tmp, path);
      }
    }
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    try {
      if (existsSync(tmp)) unlinkSync(tmp);
    } catch {
      // nothing more to do; the next write in this folder removes it
    }
    if (e instanceof FileWriteError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && opts.overwrite === false) throw new OutputExistsError([path]);
    throw new FileWriteError(path, `cannot write the file (${code ?? (e as Error).message})`, code);
  }
  fsyncPath(dir);
}