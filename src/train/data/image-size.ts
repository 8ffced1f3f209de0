import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Width and height from a PNG or JPEG header, reading only the bytes needed — cheap enough
 * to check every pair of a large training set before training starts. Returns null for
 * other formats or unreadable headers.
 */
export function readImageSize(path: string): { width: number; height: number } | null {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(32);
    const n = readSync(fd, head, 0, 32, 0);
    if (n >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a && head.toString('latin1', 12, 16) === 'IHDR') {
      return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
    }
    if (n >= 4 && head[0] === 0xff && head[1] === 0xd8) return jpegSize(fd);
    return null;
  } finally {
    closeSync(fd);
  }
}

function jpegSize(fd: number): { width: number; height: number } | null {
  let pos = 2;
  const buf = Buffer.alloc(9);
  for (let guard = 0; guard < 10000; guard++) {
    if (readSync(fd, buf, 0, 4, pos) < 4) return null;
    if (buf[0] !== 0xff) return null;
    const marker = buf[1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    const len = buf.readUInt16BE(2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (readSync(fd, buf, 0, 9, pos) < 9) return null;
      return { height: buf.readUInt16BE(5), width: buf.readUInt16BE(7) };
    }
    if (marker === 0xd9 || marker === 0xda) return null;
    pos += 2 + len;
  }
  return null;
}
