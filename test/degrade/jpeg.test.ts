import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { readImage } from '../../src/io/image.js';
import { jpegRoundTrip, quantTable, type ChromaSubsampling } from '../../src/degrade/jpeg.js';
import type { Planar } from '../../src/degrade/common.js';
import { photoPath } from '../helpers/shared.js';

const psnr = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return 10 * Math.log10(a.length / s);
};

/** sharp's (libjpeg's) save and load of the same 8-bit image, as CHW floats. */
async function sharpJpeg(img: Planar, quality: number, sub: ChromaSubsampling): Promise<Float32Array> {
  const n = img.width * img.height;
  const hwc = Buffer.alloc(n * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) hwc[i * 3 + c] = Math.round(img.data[c * n + i] * 255);
  const buf = await sharp(hwc, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality, chromaSubsampling: sub }).toBuffer();
  const { data } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(n * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = data[i * 3 + c] / 255;
  return out;
}

test('the TypeScript JPEG loses what libjpeg (sharp) loses: PSNR within 0.15 dB at every quality, both subsamplings', async () => {
  const photo = await readImage(photoPath('skimage_coffee.png'));
  // an odd-sized crop: edge blocks are padded
  const w = 203;
  const h = 141;
  const data = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) data.set(photo.data.subarray((c * photo.height + y + 60) * photo.width + 150, (c * photo.height + y + 60) * photo.width + 150 + w), (c * h + y) * w);
  const img: Planar = { data, width: w, height: h, channels: 3 };
  let last = -Infinity;
  for (const q of [10, 30, 50, 75, 95]) {
    for (const sub of ['4:2:0', '4:4:4'] as const) {
      const ours = jpegRoundTrip(img, { quality: q, subsampling: sub });
      const ref = await sharpJpeg(img, q, sub);
      const [po, pr] = [psnr(ours.data, img.data), psnr(ref, img.data)];
      assert.ok(Math.abs(po - pr) < 0.15, `q ${q} ${sub}: ours ${po.toFixed(2)} dB, sharp ${pr.toFixed(2)} dB`);
      assert.ok(psnr(ours.data, ref) > 44, `q ${q} ${sub}: ours vs sharp ${psnr(ours.data, ref).toFixed(2)} dB`);
      assert.ok(ours.data.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), 'on 8-bit steps');
      if (sub === '4:2:0') {
        assert.ok(po > last, `quality ${q} is better than the one below`);
        last = po;
      }
    }
  }
});

test('quality tables follow the IJG scaling; grey images and bad options', () => {
  const base = [16, 11, 10, 16, 24, 40, 51, 61, ...new Array(56).fill(99)];
  assert.deepEqual(Array.from(quantTable(base, 50)), base, 'quality 50 is the Annex K table');
  assert.ok(quantTable(base, 100).every((v) => v === 1), 'quality 100: all ones');
  assert.equal(quantTable(base, 25)[0], 32, 'quality 25 doubles it');
  const grey: Planar = { data: Float32Array.from({ length: 30 * 20 }, (_, i) => ((i * 37) % 256) / 255), width: 30, height: 20, channels: 1 };
  const g = jpegRoundTrip(grey, { quality: 60 });
  assert.equal(g.channels, 1);
  assert.ok(psnr(g.data, grey.data) > 10 && g.data.some((v, i) => v !== grey.data[i]));
  assert.throws(() => jpegRoundTrip({ ...grey, channels: 2, data: new Float32Array(1200) }, { quality: 50 }), /grey or RGB/);
  assert.throws(() => jpegRoundTrip(grey, { quality: 0 }), /quality must be in \[1, 100\]/);
});
