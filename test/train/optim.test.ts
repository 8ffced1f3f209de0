import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, AdamW, clipGradNorm, type Param } from '../../src/train/optim/index.js';

const GRADS = [
  [0.1, -0.2, 0.3, 0.0],
  [-0.05, 0.4, 0.0, 1e-3],
  [0.2, 0.2, -0.7, -0.3],
];

function param(values: number[]): Param {
  return { data: Float32Array.from(values), grad: null, name: 'p' };
}

function near(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('Adam: first step by hand', () => {
  // step 1: m = 0.1 g, v = 0.001 g², bias-corrected m/√v = sign(g), so p -= lr·g/(|g| + eps·…)
  const p = param([1, -1]);
  const opt = new Adam([p], { lr: 0.1 });
  p.grad = Float32Array.from([0.5, -2]);
  opt.step();
  near(p.data, [0.9, -0.9], 1e-6, 'p');
  const st = opt.state();
  assert.equal(st.params[0]!.step, 1);
  near(st.params[0]!.expAvg, [0.05, -0.2], 1e-7, 'm');
  near(st.params[0]!.expAvgSq, [0.00025, 0.004], 1e-9, 'v');
});

test('AdamW: decoupled decay by hand', () => {
  const p = param([2]);
  const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
  p.grad = Float32Array.from([1]);
  opt.step();
  // p = 2·(1 − 0.1·0.5) − 0.1·1 = 1.8
  near(p.data, [1.8], 1e-6, 'p');
});

// Reference trajectories produced with Debian's torch 1.13 (`/usr/bin/python3`):
//   p = nn.Parameter(torch.tensor([0.5, -1.25, 2.0, 0.0])); opt = torch.optim.Adam([p], lr=0.01, weight_decay=0.1)
//   (resp. torch.optim.AdamW([p], lr=0.01, weight_decay=0.1, betas=(0.8, 0.99)))
//   for g in GRADS: p.grad = torch.tensor(g); opt.step(); print(p)
// then opt.state[p]['exp_avg'] / ['exp_avg_sq'] after the third step.
const TORCH = {
  adam: {
    p: [
      [0.49000000953674316, -1.2400000095367432, 1.9900000095367432, 0.0],
      [0.4833492040634155, -1.2397119998931885, 1.9810218811035156, -0.0074412627145648],
      [0.4752235412597656, -1.2406150102615356, 1.980307936668396, -0.0010722796432673931],
    ],
    m: [0.03689349442720413, 0.00611787848174572, 0.008220214396715164, -0.02998441457748413],
    v: [8.412626630160958e-5, 0.00018729407747741789, 0.0005409630830399692, 9.044804755831137e-5],
  },
  adamw: {
    p: [
      [0.4895000159740448, -1.2387499809265137, 1.9880000352859497, 0.0],
      [0.48689913749694824, -1.241721272468567, 1.9797108173370361, -0.007836964912712574],
      [0.4794924855232239, -1.2461596727371216, 1.9824497699737549, -0.0007848958484828472],
    ],
    m: [0.04480000212788582, 0.07840000092983246, -0.10159999132156372, -0.05984000489115715],
    v: [0.0005227600340731442, 0.0023760402109473944, 0.005782089661806822, 0.0009000099380500615],
  },
};

for (const kind of ['adam', 'adamw'] as const) {
  test(`${kind}: matches a torch trajectory`, () => {
    const p = param([0.5, -1.25, 2.0, 0.0]);
    const opt = kind === 'adam' ? new Adam([p], { lr: 0.01, weightDecay: 0.1 }) : new AdamW([p], { lr: 0.01, weightDecay: 0.1, betas: [0.8, 0.99] });
    GRADS.forEach((g, k) => {
      p.grad = Float32Array.from(g);
      opt.step();
      near(p.data, TORCH[kind].p[k], 2e-7, `step ${k + 1}`);
    });
    const st = opt.state().params[0]!;
    assert.equal(st.step, 3);
    // torch rounds every intermediate to float32; we round only what is stored: ~1 ulp apart
    near(st.expAvg, TORCH[kind].m, 1e-8, 'exp_avg');
    near(st.expAvgSq, TORCH[kind].v, 1e-9, 'exp_avg_sq');
  });
}

test('state/loadState: a resumed optimizer continues exactly', () => {
  const run = (resumeAt: number | null): Float32Array => {
    let p = param([0.3, -0.7, 1.1]);
    let opt = new AdamW([p], { lr: 0.05, weightDecay: 0.01 });
    for (let k = 0; k < 6; k++) {
      if (k === resumeAt) {
        const saved = structuredClone(opt.state());
        const data = p.data.slice();
        p = { data, grad: null };
        opt = new AdamW([p], { lr: 123 });
        opt.loadState(saved);
      }
      p.grad = Float32Array.from([Math.sin(k), Math.cos(k), 0.1 * k]);
      opt.paramGroups[0].lr = 0.05 / (k + 1);
      opt.step();
    }
    return p.data;
  };
  assert.deepEqual(Array.from(run(3)), Array.from(run(null)));
  const opt = new Adam([param([1])]);
  assert.throws(() => opt.loadState(new AdamW([param([1])]).state()), /AdamW/);
  assert.throws(() => opt.loadState({ ...new Adam([param([1, 2])]).state(), params: [{ step: 1, expAvg: new Float32Array(2), expAvgSq: new Float32Array(2) }] }), /2 values/);
});

test('param groups, skipped params and zeroGrad', () => {
  const a = param([1]);
  const b = param([1]);
  const opt = new Adam([{ params: [a], lr: 0.1 }, { params: [b] }], { lr: 0.5 });
  assert.equal(opt.paramGroups[0].lr, 0.1);
  assert.equal(opt.paramGroups[1].lr, 0.5);
  a.grad = Float32Array.from([1]);
  opt.step();
  assert.ok(Math.abs(a.data[0] - 0.9) < 1e-6);
  assert.equal(b.data[0], 1);
  assert.equal(opt.state().params[1], null);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.throws(() => new Adam([a, a].map((p) => ({ params: [p] }))), /more than one group/);
  assert.throws(() => new Adam([a], { betas: [0.9, 1] }), /betas/);
});

test('clipGradNorm: torch semantics', () => {
  // torch.nn.utils.clip_grad_norm_([a, b], 1.0) with grads [3,4,0], [12,0] returns 13.0 and
  // leaves [0.23076921701431274, 0.307692289352417, 0], [0.923076868057251, 0]
  const a: Param = { data: new Float32Array(3), grad: Float32Array.from([3, 4, 0]) };
  const b: Param = { data: new Float32Array(2), grad: Float32Array.from([12, 0]) };
  const c: Param = { data: new Float32Array(1), grad: null };
  const n = clipGradNorm([a, b, c], 1.0);
  assert.equal(n, 13);
  near(a.grad!, [0.23076921701431274, 0.307692289352417, 0], 1e-7, 'a');
  near(b.grad!, [0.923076868057251, 0], 1e-7, 'b');
  // below the limit: untouched
  const d: Param = { data: new Float32Array(2), grad: Float32Array.from([0.3, 0.4]) };
  assert.ok(Math.abs(clipGradNorm([d], 1) - 0.5) < 1e-7);
  assert.deepEqual(Array.from(d.grad!), [Math.fround(0.3), Math.fround(0.4)]);
  assert.equal(clipGradNorm([c], 1), 0);
  const e: Param = { data: new Float32Array(2), grad: Float32Array.from([-5, 2]) };
  assert.equal(clipGradNorm([e], 10, Infinity), 5);
});
