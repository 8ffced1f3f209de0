import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ema } from '../../src/train/ema.js';
import type { Param } from '../../src/train/optim/index.js';

test('EMA: ema = ema·decay + p·(1 − decay), starting from a copy', () => {
  const p: Param = { data: Float32Array.from([1, 2]), grad: null, name: 'w' };
  const ema = new Ema([p], 0.9);
  assert.deepEqual(Array.from(ema.shadow[0]), [1, 2]);
  p.data.set([2, 0]);
  ema.update();
  assert.ok(Math.abs(ema.shadow[0][0] - 1.1) < 1e-6);
  assert.ok(Math.abs(ema.shadow[0][1] - 1.8) < 1e-6);
  p.data.set([0, 0]);
  ema.update();
  assert.ok(Math.abs(ema.shadow[0][0] - 0.99) < 1e-6);
  const target = { data: new Float32Array(2) };
  ema.copyTo([target]);
  assert.deepEqual(target.data, ema.shadow[0]);
  ema.update(0); // BasicSR model_ema(0): copy
  assert.deepEqual(Array.from(ema.shadow[0]), [0, 0]);
});

test('EMA: default decay 0.999, state round-trip, shape checks', () => {
  const p: Param = { data: Float32Array.from([1, 1, 1]), grad: null };
  const a = new Ema([p]);
  assert.equal(a.decay, 0.999);
  p.data.fill(0);
  a.update();
  assert.ok(Math.abs(a.shadow[0][0] - 0.999) < 1e-7);
  const saved = structuredClone(a.state());
  const b = new Ema([p], 0.5);
  b.loadState(saved);
  a.update();
  b.update();
  assert.deepEqual(b.shadow, a.shadow);
  assert.throws(() => b.loadState({ ...saved, shadow: [new Float32Array(2)] }), /2 values/);
  assert.throws(() => new Ema([p], 1.5), /decay/);
});
