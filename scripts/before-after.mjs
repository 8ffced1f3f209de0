// Draws docs/before-after.png: for each bundled model, a crop of its degraded example photo,
// the restoration and the clean original, side by side, enlarged ×2.
// Usage (after the build): node scripts/before-after.mjs [out.png]
import sharp from 'sharp';
import { fileURLToPath } from 'node:url';
import { loadModel, readImage, restoreImage, bundledModelPath, toUint8HWC } from '../dist/src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? `${root}docs/before-after.png`;
const crop = { left: 125, top: 45, width: 200, height: 150 };
const scale = 2;
const gap = 6;
const rows = [['denoise', 'chelsea_noisy.png'], ['derain', 'chelsea_rain.png'], ['deblur', 'chelsea_blur.png']];

/** A planar [0, 1] image → the enlarged crop as PNG bytes. */
async function panel(img) {
  const hwc = toUint8HWC(img);
  return sharp(hwc.data, { raw: { width: hwc.width, height: hwc.height, channels: hwc.channels } })
    .extract(crop)
    .resize(crop.width * scale, crop.height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
}

const clean = await readImage(`${root}examples/chelsea_clean.png`);
const tiles = [];
for (const [r, [task, file]] of rows.entries()) {
  const degraded = await readImage(`${root}examples/${file}`);
  const { model } = loadModel(bundledModelPath(task));
  const restored = await restoreImage(model, degraded, { seed: 0 });
  for (const [c, img] of [degraded, restored, clean].entries()) {
    tiles.push({ input: await panel(img), left: c * (crop.width * scale + gap), top: r * (crop.height * scale + gap) });
  }
  process.stderr.write(`${task} done\n`);
}
const width = 3 * crop.width * scale + 2 * gap;
const height = rows.length * crop.height * scale + (rows.length - 1) * gap;
await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(tiles).png().toFile(out);
console.log(`wrote ${out} (${width}×${height})`);
