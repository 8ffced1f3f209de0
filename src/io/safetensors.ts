import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { SafetensorsError, checkHeaderLength, parseSafetensors, type StoredTensor } from './safetensors-format.js';

export * from './safetensors-format.js';

/** Reads a .safetensors file; the header length is checked against the file size before the file is read. */
export function readSafetensors(path: string): { tensors: Map<string, StoredTensor>; metadata: Record<string, string> } {
  let fd: number;
  try {
    if (!statSync(path).isFile()) throw new SafetensorsError(path, 'is not a file');
    fd = openSync(path, 'r');
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SafetensorsError(path, `cannot read file (${code ?? (e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new SafetensorsError(path, `file is ${size} bytes, too short for a header length`);
    const head = new Uint8Array(8);
    readFully(fd, head, 0, path);
    checkHeaderLength(new DataView(head.buffer).getBigUint64(0, true), size, path);
    const buf = Buffer.allocUnsafe(size);
    readFully(fd, buf, 0, path);
    return parseSafetensors(buf, path);
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new SafetensorsError(path, `file ended after ${position + done} bytes while reading`);
    done += n;
  }
}

