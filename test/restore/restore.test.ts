import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readImage, toUint8HWC } from '../../src/io/image.js';
import { loadModel } from '../../src/model/checkpoint.js';
import { restoreImage } from '../../src/restore/image.js';
import { resolveRestoreOptions, restoreTile, type TileRunner } from '../../src/restore/restorer.js';
import { bundledModelPath } from '../../src/restore/bundled.js';
import { psnr } from '../../src/metrics/index.js';
import { fixturePath, repoRoot } from '../helpers/shared.js';
import { join } from 'node:path';

const tiny = () => loadModel(fixturePath('dft_tiny_weights.safetensors')).model;

describe('restoring images', () => {
  it('any size, grey and alpha: output keeps the size, layout, bit depth and alpha', async () => {
    const m = tiny();
    const n = 37 * 21;
    const img = { data: new Float32Array(n).map((_, i) => (i % 17) / 17), width: 37, height: 21, channels: 1 as const, alpha: new Float32Array(n).fill(0.25), bitDepth: 16 as const };
    const out = await restoreImage(m, img, { tile: 16, overlap: 4 });
    assert.equal(out.channels, 1);
    assert.equal(out.width, 37);
    assert.equal(out.height, 21);
    assert.equal(out.bitDepth, 16);
    assert.equal(out.data.length, n);
    assert.ok(out.data.every((v) => v >= 0 && v <= 1));
    assert.strictEqual(out.alpha, img.alpha);
  });

  it('is deterministic for a seed, and the seed matters', async () => {
    const m = tiny();
    const img = { data: new Float32Array(3 * 16 * 24).map((_, i) => Math.abs(Math.sin(i))), width: 24, height: 16, channels: 3 as const, alpha: null, bitDepth: 8 as const };
    const a = await restoreImage(m, img, { seed: 1, tile: 0 });
    const b = await restoreImage(m, img, { seed: 1, tile: 0 });
    const c = await restoreImage(m, img, { seed: 2, tile: 0 });
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(a.data, c.data);
  });

  it('×8 self-ensemble restores to the same size and differs from a single pass', async () => {
    const m = tiny();
    const img = { data: new Float32Array(3 * 16 * 24).map((_, i) => Math.abs(Math.cos(i))), width: 24, height: 16, channels: 3 as const, alpha: null, bitDepth: 8 as const };
    const e = await restoreImage(m, img, { ensemble: true, tile: 0 });
    const s = await restoreImage(m, img, { tile: 0 });
    assert.equal(e.data.length, s.data.length);
    assert.notDeepEqual(e.data, s.data);
  });

  it('tiles run elsewhere and several at once (runTile, concurrency) give the same image, bit for bit', async () => {
    const m = tiny();
    const img = { data: new Float32Array(3 * 40 * 56).map((_, i) => Math.abs(Math.sin(i * 0.3))), width: 56, height: 40, channels: 3 as const, alpha: null, bitDepth: 8 as const };
    const opts = { tile: 24, overlap: 8, seed: 3 };
    const plain = await restoreImage(m, img, opts);
    const resolved = resolveRestoreOptions(opts);
    let inFlight = 0, most = 0, ran = 0;
    const calls: number[] = [];
    // later tiles finish first: blending must still follow the plan's order
    const runTile: TileRunner = async (tile, top, left, onCall) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const delay = 30 - 4 * ran++;
      const out = await restoreTile(m, tile, top, left, resolved, onCall);
      await new Promise((r) => setTimeout(r, Math.max(0, delay)));
      inFlight--;
      return out;
    };
    const parallel = await restoreImage(m, img, { ...opts, runTile, concurrency: 3, onProgress: (p) => calls.push(p.done) });
    assert.deepEqual(parallel.data, plain.data);
    assert.equal(most, 3, 'three tiles were in flight at once');
    assert.deepEqual(calls, calls.map((_, i) => i + 1), 'progress counts every network call once');
    await assert.rejects(restoreImage(m, img, { ...opts, concurrency: 0 }), /concurrency/);
    await assert.rejects(restoreImage(m, img, { ...opts, runTile: async () => { throw new Error('worker died'); }, concurrency: 2 }), /worker died/);
  });

  it('stops at the next tile when the signal aborts', async () => {
    const m = tiny();
    const img = { data: new Float32Array(3 * 64 * 64).fill(0.5), width: 64, height: 64, channels: 3 as const, alpha: null, bitDepth: 8 as const };
    const ac = new AbortController();
    let tiles = 0;
    await assert.rejects(
      restoreImage(m, img, { tile: 16, overlap: 0, signal: ac.signal, onProgress: () => (++tiles === 2 ? ac.abort() : undefined) }),
      /aborted/,
    );
    assert.equal(tiles, 2);
  });

  it('with the bundled denoiser, tiled restoration stays within 0.1 dB of the whole-image PSNR', async () => {
    const { model } = loadModel(bundledModelPath('denoise'));
    const noisy = await readImage(join(repoRoot(), 'examples', 'chelsea_noisy.png'));
    const clean = await readImage(join(repoRoot(), 'examples', 'chelsea_clean.png'));
    const crop = (im: typeof noisy) => {
      const [h, w] = [96, 160];
      const data = new Float32Array(3 * h * w);
      for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) data.set(im.data.subarray((c * im.height + 80 + y) * im.width + 120, (c * im.height + 80 + y) * im.width + 120 + w), (c * h + y) * w);
      return { ...im, data, width: w, height: h };
    };
    const [n, g] = [crop(noisy), crop(clean)];
    const whole = await restoreImage(model, n, { tile: 0 });
    const tiled = await restoreImage(model, n, { tile: 64, overlap: 24 });
    const score = (x: { data: Float32Array; width: number; height: number; channels: number }) => psnr(toUint8HWC(x), toUint8HWC(g), { variant: 'deraining' });
    const [pw, pt, pn] = [score(whole), score(tiled), score(n)];
    assert.ok(pw > pn + 1, `the denoiser should beat its input: ${pn.toFixed(2)} → ${pw.toFixed(2)} dB`);
    assert.ok(Math.abs(pw - pt) <= 0.1, `whole ${pw.toFixed(3)} dB vs tiled ${pt.toFixed(3)} dB`);
  });
});
