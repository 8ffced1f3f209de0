import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readSafetensors } from '../../src/io/safetensors.js';
import { DFT } from '../../src/model/index.js';
import { NoiseSchedule } from '../../src/diffusion/schedule.js';
import { ddimSample, inverseDataTransform } from '../../src/diffusion/ddim.js';
import { noGrad, Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose, fixtureCase, fx, tolOf } from '../helpers/fixtures.js';
import { fixturePath } from '../helpers/shared.js';
import { availableBackends, withBackend } from '../tensor/backends.js';

function tiny(): DFT {
  const m = new DFT({ dim: 8, num_blocks: [1, 1, 1, 1] });
  m.loadStateDict(readSafetensors(fixturePath('dft_tiny_weights.safetensors')).tensors);
  return m;
}

for (const backend of availableBackends()) {
  describe(`DDIM sampling vs the fixture (${backend})`, () => {
    it('every intermediate x, every x0 prediction and the restored image (η = 0, 3 steps = 4 calls)', () =>
      withBackend(backend, () => {
        const { info, tensors } = fixtureCase('ddim');
        const m = tiny();
        const sched = new NoiseSchedule();
        assertClose(
          Array.from(tensors.get('t_steps')!.data, (t) => sched.alpha(t)),
          tensors.get('alpha')!.data,
          tolOf(info, 'alpha'),
          'alpha',
        );
        let calls = 0;
        const net = (x: Tensor, t: Float32Array) => {
          calls++;
          return m.forward(x, t);
        };
        const r = noGrad(() => ddimSample(net, sched, fx(tensors, 'lq'), fx(tensors, 'xs.0'), { steps: 3, keepTrajectory: true }));
        assert.equal(calls, 4);
        for (let k = 1; k <= 4; k++) assertClose(r.xs[k].data, tensors.get(`xs.${k}`)!.data, tolOf(info, `xs.${k}`), `xs.${k}`);
        for (let k = 0; k < 4; k++) assertClose(r.x0s[k].data, tensors.get(`x0_preds.${k}`)!.data, tolOf(info, `x0_preds.${k}`), `x0_preds.${k}`);
        assertClose(inverseDataTransform(r.x).data, tensors.get('restored')!.data, tolOf(info, 'restored'), 'restored');
      }));
  });
}

describe('DDIM options', () => {
  it('η > 0 is stochastic but reproducible for a seed; η = 0 ignores the seed', () => {
    const m = tiny();
    const sched = new NoiseSchedule();
    const rng = new Rng(3);
    const lq = new Tensor(rng.fillUniform(new Float32Array(3 * 16 * 16), 0, 1), [1, 3, 16, 16]);
    const xT = new Tensor(rng.fillNormal(new Float32Array(3 * 16 * 16)), [1, 3, 16, 16]);
    const run = (eta: number, seed: number) => noGrad(() => ddimSample((x, t) => m.forward(x, t), sched, lq, xT, { eta, rng: new Rng(seed), steps: 2 })).x.data;
    assert.deepEqual(run(0.5, 1), run(0.5, 1));
    assert.notDeepEqual(run(0.5, 1), run(0.5, 2));
    assert.deepEqual(run(0, 1), run(0, 2));
  });
});
