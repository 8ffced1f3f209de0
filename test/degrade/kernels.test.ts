import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { lineKernel } from '../../src/degrade/blur.js';
import type { Kernel } from '../../src/degrade/common.js';
import { arcTrajectory, composeKernels, discKernel, gaussianKernel, shakeTrajectory, trajectoryKernel } from '../../src/degrade/kernels.js';

const sum = (k: Kernel) => k.weights.reduce((a, b) => a + b, 0);
/** Second moments about the centre: [E x², E y², E xy] (x right, y down). */
function moments(k: Kernel): [number, number, number] {
  const r = (k.size - 1) / 2;
  let [xx, yy, xy] = [0, 0, 0];
  for (let i = 0; i < k.size; i++) for (let j = 0; j < k.size; j++) {
    const v = k.weights[i * k.size + j];
    xx += v * (j - r) ** 2;
    yy += v * (i - r) ** 2;
    xy += v * (j - r) * (i - r);
  }
  return [xx, yy, xy];
}

test('disc, Gaussian and composed kernels: normalised, centred, the right shape', () => {
  for (const r of [1, 2.5, 8]) {
    const k = discKernel(r);
    assert.equal(k.size, 2 * Math.ceil(r) + 1);
    assert.ok(Math.abs(sum(k) - 1) < 1e-12);
    const [xx, yy, xy] = moments(k);
    assert.ok(Math.abs(xx - yy) < 1e-9 && Math.abs(xy) < 1e-9, 'round');
    if (r > 2) assert.ok(Math.abs(xx - (r * r) / 4) < 0.1 * r * r, `a disc's variance per axis is about r²/4 (${xx} vs ${(r * r) / 4})`);
  }
  const g = gaussianKernel(2);
  assert.equal(g.size, 13);
  assert.ok(Math.abs(moments(g)[0] - 4) < 0.1, 'variance σ²');
  const a = gaussianKernel(4, 1, 0);
  const [ax, ay] = moments(a);
  assert.ok(ax > 10 * ay, 'anisotropic along the x axis at angle 0');
  const [bx, by, bxy] = moments(gaussianKernel(4, 1, 90));
  assert.ok(by > 10 * bx && Math.abs(bxy) < 1e-6, 'and along y at 90°');
  assert.ok(moments(gaussianKernel(4, 1, 45))[2] < -1, '45° leans up-right (y down)');
  const c = composeKernels(lineKernel(9, 0), discKernel(2));
  assert.equal(c.size, lineKernel(9, 0).size + 5 - 1);
  assert.ok(Math.abs(sum(c) - 1) < 1e-12);
  assert.throws(() => discKernel(0), /radius must be > 0/);
});

test('trajectory kernels: a straight path is a line kernel; shake paths span their extent; arcs curve', () => {
  const straight = trajectoryKernel([[0, 0], [15, 0]]);
  const [sx, sy] = moments(straight);
  const [lx] = moments(lineKernel(15, 0));
  assert.ok(Math.abs(sx - lx) / lx < 0.15 && sy < 0.2, `like lineKernel(15, 0): ${sx} vs ${lx}, across ${sy}`);
  const rng = new Rng(4);
  for (let s = 0; s < 20; s++) {
    const extent = 5 + s;
    const path = shakeTrajectory({ extent, steps: 64, inertia: 0.8, jerk: 0.05 }, rng);
    const xs = path.map((p) => p[0]);
    const ys = path.map((p) => p[1]);
    const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
    assert.ok(Math.abs(span - extent) < 1e-9, 'the larger side of the box is the extent');
    const k = trajectoryKernel(path);
    assert.ok(Math.abs(sum(k) - 1) < 1e-12 && k.weights.every((v) => v >= 0));
    assert.ok(k.size <= 2 * Math.ceil(extent / 2 + 1) + 1);
  }
  assert.deepEqual(shakeTrajectory({ extent: 9, steps: 30, inertia: 0.7, jerk: 0 }, new Rng(1)), shakeTrajectory({ extent: 9, steps: 30, inertia: 0.7, jerk: 0 }, new Rng(1)), 'seeded');
  const arc = arcTrajectory(30, 180, 0);
  const end = arc[arc.length - 1];
  assert.ok(Math.abs(end[0]) < 1 && Math.abs(Math.abs(end[1]) - 60 / Math.PI) < 0.5, `a half turn of length 30 ends a diameter 60/π away (${end})`);
});
