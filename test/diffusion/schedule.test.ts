import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/safetensors.js';
import { alphaTable, alphasCumprod, betaSchedule, computeAlpha, linspace, NoiseSchedule } from '../../src/diffusion/schedule.js';
import { antitheticTimesteps, ddimTimesteps } from '../../src/diffusion/timesteps.js';
import { Rng } from '../../src/tensor/random.js';
import { fixturePath } from '../helpers/shared.js';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, [atol, rtol]: [number, number], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= atol + rtol * Math.abs(expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('schedule fixture: linear betas and alphas_cumprod (bit-exact)', () => {
  const manifest = JSON.parse(readFileSync(fixturePath('manifest.json'), 'utf8'));
  const info = manifest.cases.schedule;
  const { tensors } = readSafetensors(fixturePath(info.file));
  const cfg = info.config as { T: number; beta_start: number; beta_end: number };
  const betas = betaSchedule({ schedule: 'linear', betaStart: cfg.beta_start, betaEnd: cfg.beta_end, numTimesteps: cfg.T });
  const eb = tensors.get('betas')!.data;
  const ea = tensors.get('alphas_cumprod')!.data;
  close(betas, eb, info.tensors.betas.tol, 'betas');
  const ac = alphasCumprod(betas);
  close(ac, ea, info.tensors.alphas_cumprod.tol, 'alphas_cumprod');
  // the float64-accumulated cumprod reproduces torch's exactly
  assert.deepEqual(Array.from(betas), Array.from(eb));
  assert.deepEqual(Array.from(ac), Array.from(ea));
  assert.equal(betas[cfg.T - 1], Math.fround(0.02));
});

test('computeAlpha: prepended beta = 0, alpha(-1) = 1', () => {
  const betas = betaSchedule();
  const ac = alphasCumprod(betas);
  assert.equal(computeAlpha(betas, -1), 1);
  assert.equal(computeAlpha(betas, 0), ac[0]);
  assert.equal(computeAlpha(betas, 999), ac[999]);
  assert.throws(() => computeAlpha(betas, 1000), /outside/);
  assert.throws(() => computeAlpha(betas, -2), /outside/);
  const table = alphaTable(betas);
  assert.equal(table.length, 1001);
  const s = new NoiseSchedule();
  assert.equal(s.alpha(-1), 1);
  assert.equal(s.alpha(333), ac[333]);
  assert.deepEqual(Array.from(s.alphasCumprod), Array.from(ac));
});

test('other schedules match numpy/torch (T = 10)', () => {
  // printed by /usr/bin/python3 with numpy + torch 1.13 from the DDPM get_beta_schedule code,
  // torch.from_numpy(betas).float()
  const expected: Record<string, number[]> = {
    quad: [9.999999747378752e-5, 0.0006052767275832593, 0.0015370120527222753, 0.002895205980166793, 0.004679858684539795, 0.006890969816595316, 0.009528539143502712, 0.012592568062245846, 0.01608305424451828, 0.019999999552965164],
    linear: [9.999999747378752e-5, 0.002311111195012927, 0.004522222094237804, 0.006733333226293325, 0.008944444358348846, 0.011155555956065655, 0.013366666622459888, 0.015577778220176697, 0.01778888888657093, 0.019999999552965164],
    const: Array(10).fill(0.019999999552965164),
    jsd: [0.10000000149011612, 0.1111111119389534, 0.125, 0.1428571492433548, 0.1666666716337204, 0.20000000298023224, 0.25, 0.3333333432674408, 0.5, 1.0],
    sigmoid: [0.00014920519606675953, 0.000285387592157349, 0.0007854594150558114, 0.0024721380323171616, 0.006850948091596365, 0.013249051757156849, 0.017627861350774765, 0.019314540550112724, 0.019814612343907356, 0.01995079405605793],
  };
  for (const [name, want] of Object.entries(expected)) {
    const got = betaSchedule({ schedule: name as 'linear', numTimesteps: 10 });
    assert.deepEqual(Array.from(got), want, name);
  }
  assert.throws(() => betaSchedule({ schedule: 'cosine' as 'linear' }), /unknown schedule/);
  assert.throws(() => betaSchedule({ numTimesteps: 0 }), /positive integer/);
  assert.deepEqual(Array.from(linspace(3, 7, 1)), [3]);
});

test('ddimTimesteps: S = 3 visits four steps', () => {
  const { seq, seqNext } = ddimTimesteps(1000, 3);
  assert.deepEqual(seq, [999, 666, 333, 0]);
  assert.deepEqual(seqNext, [666, 333, 0, -1]);
  assert.deepEqual(ddimTimesteps(1000, 10).seq.length, 10);
  assert.deepEqual(ddimTimesteps(10, 10), { seq: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], seqNext: [8, 7, 6, 5, 4, 3, 2, 1, 0, -1] });
  assert.throws(() => ddimTimesteps(1000, 0), /sampling steps/);
});

test('antitheticTimesteps: n//2+1 draws, mirrored, sliced to n', () => {
  for (const n of [1, 2, 3, 4, 5, 8]) {
    const rng = new Rng(7);
    const t = antitheticTimesteps(n, 1000, rng);
    assert.equal(t.length, n);
    const k = Math.floor(n / 2) + 1;
    const ref = new Rng(7);
    const draws = Array.from({ length: k }, () => ref.int(0, 1000));
    assert.deepEqual(t, [...draws, ...draws.map((x) => 999 - x)].slice(0, n));
    for (const x of t) assert.ok(Number.isInteger(x) && x >= 0 && x < 1000);
  }
  // n = 4: draws t0 t1 t2, then 999 - t0
  const t4 = antitheticTimesteps(4, 1000, new Rng(1));
  assert.equal(t4[3], 999 - t4[0]);
});
