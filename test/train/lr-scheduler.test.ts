import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdamW, type Param } from '../../src/train/optim/index.js';
import { CosineAnnealingRestartCyclicLR, CosineAnnealingRestartLR, MultiStepLR, createScheduler, lrForIteration, updateLearningRate } from '../../src/train/lr-scheduler.js';

const mk = (lr = 3e-4) => new AdamW([{ data: new Float32Array(1), grad: null } as Param], { lr });

test('CosineAnnealingRestartCyclicLR + BasicSR update_learning_rate with warm-up match a torch run', () => {
  // produced with /usr/bin/python3 (torch 1.13): BasicSR's CosineAnnealingRestartCyclicLR
  // (periods [4, 8], restart_weights [1, 0.5], eta_mins [3e-4, 1e-5], AdamW lr 3e-4) driven by
  // BasicSR's loop: for current_iter in 1..12: update_learning_rate(current_iter, warmup_iter=3)
  const torchLrs = [9.999999999999999e-5, 0.00019999999999999998, 0.0003, 0.0003, 0.0003, 0.00014948126610706827, 0.00013376524163602466, 0.00011024454884646899, 8.249999999999999e-5, 5.4755451153530983e-5, 3.123475836397531e-5, 1.5518733892931712e-5];
  const opt = mk();
  const s = new CosineAnnealingRestartCyclicLR(opt, [4, 8], [1, 0.5], [3e-4, 1e-5]);
  torchLrs.forEach((want, k) => {
    const it = k + 1;
    updateLearningRate(opt, s, it, 3);
    assert.ok(Math.abs(opt.paramGroups[0].lr - want) < 1e-18, `iteration ${it}: ${opt.paramGroups[0].lr} vs ${want}`);
    assert.ok(Math.abs(lrForIteration(s, it, 3)[0] - want) < 1e-18, `lrForIteration(${it})`);
  });
});

test('CosineAnnealingRestartCyclicLR by hand; held at the end past the last period', () => {
  const opt = mk(1);
  const s = new CosineAnnealingRestartCyclicLR(opt, [10, 20], [1, 1], [1, 0.1]);
  assert.equal(opt.paramGroups[0].lr, 1); // applied on construction (last_epoch 0)
  assert.equal(s.lrsAt(10)[0], 1);
  assert.ok(Math.abs(s.lrsAt(20)[0] - 0.55) < 1e-12);
  assert.ok(Math.abs(s.lrsAt(30)[0] - 0.1) < 1e-12);
  assert.ok(Math.abs(s.lrsAt(50)[0] - 0.1) < 1e-12);
  assert.ok(Math.abs(s.lrsAt(11)[0] - (0.1 + 0.45 * (1 + Math.cos(Math.PI / 20)))) < 1e-12);
  assert.throws(() => new CosineAnnealingRestartCyclicLR(opt, [10, 20], [1], [0, 0]), /differ in length/);
});

test('CosineAnnealingRestartLR and MultiStepLR', () => {
  const c = new CosineAnnealingRestartLR(mk(1), [10, 10], [1, 0.5], 0);
  assert.ok(Math.abs(c.lrsAt(5)[0] - 0.5) < 1e-12);
  assert.ok(Math.abs(c.lrsAt(11)[0] - 0.25 * (1 + Math.cos(Math.PI / 10))) < 1e-12);
  const m = new MultiStepLR(mk(1), [3, 6, 6], 0.5);
  assert.deepEqual([0, 2, 3, 5, 6, 9].map((e) => m.lrsAt(e)[0]), [1, 1, 0.5, 0.5, 0.125, 0.125]);
  const r = new MultiStepLR(mk(1), [2, 6], 0.1, [0, 4], [1, 0.5]);
  assert.deepEqual([1, 2, 4, 5].map((e) => r.lrsAt(e)[0]), [1, 0.1, 0.5, 0.5]);
  assert.ok(Math.abs(r.lrsAt(6)[0] - 0.05) < 1e-15);
  const made = createScheduler(mk(), { type: 'CosineAnnealingRestartCyclicLR', periods: [50000, 220000], restart_weights: [1, 1], eta_mins: [3e-4, 1e-5] });
  assert.equal(made.lrsAt(50000)[0], 3e-4);
  assert.ok(Math.abs(made.lrsAt(270000)[0] - 1e-5) < 1e-15);
  assert.throws(() => createScheduler(mk(), { type: 'MultiStepLR' }), /milestones/);
});

test('scheduler state round-trips', () => {
  const opt = mk();
  const s = new CosineAnnealingRestartCyclicLR(opt, [4, 8], [1, 0.5], [3e-4, 1e-5]);
  for (let it = 1; it <= 7; it++) updateLearningRate(opt, s, it);
  const saved = JSON.parse(JSON.stringify(s.state()));
  const opt2 = mk();
  const s2 = new CosineAnnealingRestartCyclicLR(opt2, [4, 8], [1, 0.5], [3e-4, 1e-5]);
  s2.loadState(saved);
  updateLearningRate(opt, s, 8);
  updateLearningRate(opt2, s2, 8);
  assert.equal(opt2.paramGroups[0].lr, opt.paramGroups[0].lr);
  assert.throws(() => new MultiStepLR(mk(), [1]).loadState(saved), /CosineAnnealingRestartCyclicLR/);
});
