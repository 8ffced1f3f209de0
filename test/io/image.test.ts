import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { photoPath } from '../helpers/shared.js';
import { fromHWC, ImageIOError, readImage, toUint8HWC, writeImage, type ImageFormat } from '../../src/io/image.js';
import { OutputExistsError } from '../../src/io/output-exists.js';

const dir = mkdtempSync(join(tmpdir(), 'diffmamba-image-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const W = 23;
const H = 17;

/** Interleaved test pixels covering the whole range of the depth. */
function pattern(channels: number, depth: 8 | 16): Uint8Array | Uint16Array {
  const max = depth === 16 ? 65536 : 256;
  const a = depth === 16 ? new Uint16Array(W * H * channels) : new Uint8Array(W * H * channels);
  for (let i = 0; i < a.length; i++) a[i] = (i * 7919 + 13) % max;
  return a;
}

async function makeFile(name: string, channels: number, depth: 8 | 16, format: ImageFormat): Promise<{ path: string; raw: Uint8Array | Uint16Array }> {
  const raw = pattern(channels, depth);
  const grey = channels <= 2;
  const space = grey ? (depth === 16 ? 'grey16' : 'b-w') : depth === 16 ? 'rgb16' : 'srgb';
  let p = sharp(raw, { raw: { width: W, height: H, channels: channels as 1 | 2 | 3 | 4 } }).toColourspace(space);
  p = format === 'png' ? p.png() : format === 'tiff' ? p.tiff({ compression: 'lzw' }) : format === 'webp' ? p.webp({ lossless: true, exact: true }) : p.jpeg({ quality: 100 });
  const path = join(dir, name);
  await p.toFile(path);
  return { path, raw };
}

const layouts = [
  { name: 'grey', channels: 1, colour: 1, alpha: false },
  { name: 'greyalpha', channels: 2, colour: 1, alpha: true },
  { name: 'rgb', channels: 3, colour: 3, alpha: false },
  { name: 'rgba', channels: 4, colour: 3, alpha: true },
];

for (const format of ['png', 'tiff'] as const) {
  for (const depth of [8, 16] as const) {
    for (const l of layouts) {
      test(`${format} ${depth}-bit ${l.name}: exact read, alpha passthrough, exact write-back`, async () => {
        const { path, raw } = await makeFile(`${l.name}${depth}.${format}`, l.channels, depth, format);
        const img = await readImage(path);
        assert.equal(img.format, format);
        assert.equal(img.bitDepth, depth);
        assert.equal(img.channels, l.colour);
        assert.equal(img.width, W);
        assert.equal(img.height, H);
        assert.equal(img.alpha !== null, l.alpha);
        const max = depth === 16 ? 65535 : 255;
        const n = W * H;
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < l.colour; c++) assert.equal(Math.round(img.data[c * n + i] * max), raw[i * l.channels + c]);
          if (img.alpha) assert.equal(Math.round(img.alpha[i] * max), raw[i * l.channels + l.channels - 1]);
        }
        const out = join(dir, `back-${l.name}${depth}.${format}`);
        await writeImage(out, img);
        const back = await readImage(out);
        assert.equal(back.bitDepth, depth);
        assert.equal(back.channels, l.colour);
        assert.deepEqual(back.data, img.data);
        assert.deepEqual(back.alpha, img.alpha);
      });
    }
  }
}

test('webp lossless 8-bit RGB and RGBA round trip exactly; grey becomes RGB', async () => {
  for (const l of layouts) {
    const { path, raw } = await makeFile(`${l.name}.webp`, l.channels, 8, 'webp');
    const img = await readImage(path);
    assert.equal(img.format, 'webp');
    assert.equal(img.channels, 3); // WebP stores colour only
    assert.equal(img.alpha !== null, l.alpha);
    const n = W * H;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) assert.equal(Math.round(img.data[c * n + i] * 255), raw[i * l.channels + (l.colour === 1 ? 0 : c)]);
      if (img.alpha) assert.equal(Math.round(img.alpha[i] * 255), raw[i * l.channels + l.channels - 1]);
    }
    const out = join(dir, `back-${l.name}.webp`);
    await writeImage(out, img, { lossless: true });
    const back = await readImage(out);
    assert.deepEqual(back.data, img.data);
    assert.deepEqual(back.alpha, img.alpha);
  }
});

test('jpeg reads grey and RGB; lossy write-back stays close', async () => {
  for (const l of [layouts[0], layouts[2]]) {
    const { path } = await makeFile(`${l.name}.jpg`, l.channels, 8, 'jpeg');
    const img = await readImage(path);
    assert.equal(img.format, 'jpeg');
    assert.equal(img.channels, l.colour);
    assert.equal(img.alpha, null);
    assert.equal(img.bitDepth, 8);
    assert.equal(img.data.length, l.colour * W * H);
    const out = join(dir, `back-${l.name}.jpeg`);
    await writeImage(out, img, { quality: 100 });
    const back = await readImage(out);
    assert.equal(back.channels, l.colour);
    let err = 0;
    for (let i = 0; i < img.data.length; i++) err = Math.max(err, Math.abs(back.data[i] - img.data[i]));
    assert.ok(err < 0.25, `max error ${err}`);
  }
});

test('16-bit data written to JPEG/WebP becomes 8-bit; asking for 16 there is an error', async () => {
  const { path } = await makeFile('rgb16-src.png', 3, 16, 'png');
  const img = await readImage(path);
  const out = join(dir, 'from16.webp');
  await writeImage(out, img, { lossless: true });
  assert.equal((await readImage(out)).bitDepth, 8);
  await assert.rejects(writeImage(join(dir, 'x.jpg'), img, { bitDepth: 16 }), /cannot store 16-bit/);
  // 8-bit data may be written as 16-bit PNG
  const { path: p8 } = await makeFile('rgb8-src.png', 3, 8, 'png');
  const img8 = await readImage(p8);
  const out16 = join(dir, 'up16.png');
  await writeImage(out16, img8, { bitDepth: 16 });
  const up = await readImage(out16);
  assert.equal(up.bitDepth, 16);
  for (let i = 0; i < up.data.length; i++) assert.ok(Math.abs(up.data[i] - img8.data[i]) < 1e-6);
});

test('alpha cannot silently vanish into a JPEG', async () => {
  const { path } = await makeFile('rgba-src.png', 4, 8, 'png');
  const img = await readImage(path);
  await assert.rejects(writeImage(join(dir, 'alpha.jpg'), img), /JPEG cannot store an alpha channel/);
  await writeImage(join(dir, 'alpha-dropped.jpg'), img, { dropAlpha: true });
});

test('pixel limit rejects large images before decoding, naming the path', async () => {
  const { path } = await makeFile('limit.png', 3, 8, 'png');
  await assert.rejects(readImage(path, { maxPixels: W * H - 1 }), (e: Error) => e instanceof ImageIOError && e.message.includes(path) && /over the limit/.test(e.message));
  const img = await readImage(path, { maxPixels: W * H });
  assert.equal(img.width, W);
});

test('missing, corrupt and truncated files give clear errors naming the path', async () => {
  const missing = join(dir, 'nope.png');
  await assert.rejects(readImage(missing), (e: Error) => e instanceof ImageIOError && e.message.includes(missing) && /no such file/.test(e.message));
  const garbage = join(dir, 'garbage.png');
  writeFileSync(garbage, Buffer.from('this is not an image at all'));
  await assert.rejects(readImage(garbage), (e: Error) => e instanceof ImageIOError && e.message.includes(garbage));
  const { path } = await makeFile('whole.png', 3, 8, 'png');
  const truncated = join(dir, 'truncated.png');
  const bytes = readFileSync(path);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(readImage(truncated), (e: Error) => e instanceof ImageIOError && e.message.includes(truncated));
});

test('writeImage never overwrites unless asked, and checks its input', async () => {
  const { path } = await makeFile('keep.png', 3, 8, 'png');
  const img = await readImage(path);
  const before = readFileSync(path);
  await assert.rejects(writeImage(path, { ...img, data: new Float32Array(img.data.length) }), (e: Error) => e instanceof OutputExistsError && /refusing to overwrite/.test(e.message) && e.message.includes(path));
  assert.deepEqual(readFileSync(path), before);
  await writeImage(path, { ...img, data: new Float32Array(img.data.length) }, { overwrite: true });
  assert.ok((await readImage(path)).data.every((v) => v === 0));
  await assert.rejects(writeImage(join(dir, 'x.bmp'), img), /extension/);
  await assert.rejects(writeImage(join(dir, 'short.png'), { ...img, data: img.data.subarray(1) }), /holds/);
  const nan = img.data.slice();
  nan[5] = NaN;
  await assert.rejects(writeImage(join(dir, 'nan.png'), { ...img, data: nan }), /NaN/);
});

test('values are clamped and rounded like tensor2img (round half to even)', async () => {
  const data = Float32Array.from([-0.5, 0, 0.5 / 255, 1.5 / 255, 2.5 / 255, 0.5, 1, 2]);
  const u8 = toUint8HWC({ data, width: 8, height: 1, channels: 1 });
  // fround(x·255) of 0.5/255 etc. is exactly .5 here, so half-to-even decides
  const expect = Array.from(data, (x) => {
    const v = Math.fround(Math.min(1, Math.max(0, x)) * 255);
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 ? r - 1 : r;
  });
  assert.deepEqual(Array.from(u8.data), expect);
  assert.equal(u8.data[0], 0);
  assert.equal(u8.data[7], 255);
  const path = join(dir, 'clamp.png');
  await writeImage(path, { data, width: 8, height: 1, channels: 1 });
  const back = await readImage(path);
  assert.deepEqual(Array.from(toUint8HWC(back).data), expect);
  // HWC ↔ CHW
  const hwc = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 };
  assert.deepEqual(Array.from(fromHWC(hwc), (v) => Math.round(v * 255)), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(toUint8HWC({ data: fromHWC(hwc), width: 2, height: 1, channels: 3 }).data), [1, 2, 3, 4, 5, 6]);
});

test('reads a real photo', async () => {
  const img = await readImage(photoPath('skimage_chelsea.png'));
  assert.equal(img.channels, 3);
  assert.ok(img.width > 100 && img.height > 100);
  assert.ok(img.data.every((v) => v >= 0 && v <= 1));
});
