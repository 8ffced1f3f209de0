import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crop, dihedral, padBottomRight, reflectIndex } from '../../src/io/planar.js';
import { rampWeights, tilePlan } from '../../src/restore/tiles.js';
import { NoiseField } from '../../src/restore/noise-field.js';

const img = { data: Float32Array.from({ length: 2 * 3 * 5 }, (_, i) => i), channels: 2, height: 3, width: 5 };

describe('planar image helpers', () => {
  it('each of the 8 dihedral transforms is undone by its inverse', () => {
    for (let m = 0; m < 8; m++) {
      const t = dihedral(img, m);
      assert.equal(t.height * t.width, 15);
      assert.deepEqual(dihedral(t, m, true), img, `mode ${m}`);
    }
    assert.deepEqual(Array.from(dihedral(img, 1).data.slice(0, 5)), [4, 3, 2, 1, 0]);
    const tr = dihedral(img, 4);
    assert.deepEqual([tr.height, tr.width], [5, 3]);
    assert.deepEqual(Array.from(tr.data.slice(0, 3)), [0, 5, 10]);
  });

  it('reflect-pads the bottom and right like numpy reflect, for any overshoot', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 3)), [0, 1, 2, 1, 0, 1, 2]);
    const p = padBottomRight(img, 8, 8);
    assert.deepEqual([p.height, p.width], [8, 8]);
    assert.deepEqual(crop(p, 0, 0, 3, 5), img);
    assert.equal(p.data[0 * 8 + 5], img.data[3]);
    assert.equal(p.data[3 * 8 + 0], img.data[1 * 5 + 0]);
  });

  it('tiles cover the image with the requested overlap and weights cross-fade', () => {
    assert.deepEqual(tilePlan(32, 64, 8), { size: 32, starts: [0] });
    // 512 px in tiles of at most 256 sharing 32: three tiles of 192 (not 256-px tiles at 0, 224, 256)
    assert.deepEqual(tilePlan(512, 256, 32), { size: 192, starts: [0, 160, 320] });
    for (const [len, max, ov] of [[104, 40, 10], [448, 384, 24], [4096, 384, 24], [40, 16, 8], [296, 256, 32], [1000, 1000, 0], [64, 24, 16]]) {
      const { size, starts } = tilePlan(len, max, ov);
      assert.ok(size % 8 === 0 && size <= Math.max(8, Math.floor(max / 8) * 8) && size <= len, `size ${size} for ${len}/${max}/${ov}`);
      assert.equal(starts[0], 0);
      assert.equal(starts.at(-1)! + size, len, 'the last tile ends at the edge');
      for (let i = 1; i < starts.length; i++) assert.ok(starts[i - 1] + size - starts[i] >= ov, `tiles ${i - 1} and ${i} share at least ${ov} px`);
      const cap = Math.max(8, Math.floor(max / 8) * 8);
      if (starts.length > 1) assert.ok(cap + (starts.length - 2) * (cap - ov) < len, 'no fewer tiles could cover the axis');
    }
    const w = rampWeights(16, 4, true, false);
    assert.ok(w[0] > 0 && w[0] < w[3] && w[4] === 1 && w[15] === 1);
  });

  it('position-addressed noise is reproducible, standard normal and independent of the window', () => {
    const f = new NoiseField(5);
    const a = f.window(0, 1, 10, 20, 4, 4);
    const b = f.window(0, 1, 12, 22, 2, 2);
    assert.equal(b[0], a[2 * 4 + 2]);
    const big = f.window(1, 3, 0, 0, 64, 64);
    const mean = big.reduce((s, v) => s + v, 0) / big.length;
    const sd = Math.sqrt(big.reduce((s, v) => s + (v - mean) ** 2, 0) / big.length);
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(sd - 1) < 0.05, `mean ${mean} sd ${sd}`);
    assert.notEqual(new NoiseField(6).at(0, 0, 0, 0), f.at(0, 0, 0, 0));
  });
});
