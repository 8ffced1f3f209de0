import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/io/data in the source tree (the compiled tests run from dist/test/io). */
export function ioDataPath(name: string): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'io', 'data', name);
}

let dir: string | undefined;

/** Writes bytes to a fresh temporary file and returns its path. */
export function tempFile(name: string, bytes: Uint8Array | string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'diff-mamba-io-'));
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Bytes from a binary string written with \xNN escapes. */
export function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
