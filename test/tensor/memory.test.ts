import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import * as F from '../../src/tensor/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { Conv2d, LayerNorm, Linear } from '../../src/nn/index.js';

describe('memory', () => {
  it('10,000 forward/backward steps of a small layer stack keep memory flat (tensors are GC-owned typed arrays)', async () => {
    const rng = new Rng(1);
    const conv = new Conv2d(4, 8, { kernel: 3, padding: 1, rng });
    const norm = new LayerNorm(8);
    const lin = new Linear(8, 4, { rng });
    const params = [...conv.parameters(), ...norm.parameters(), ...lin.parameters()];
    const x = new Tensor(rng.fillNormal(new Float32Array(2 * 4 * 8 * 8)), [2, 4, 8, 8]);
    const step = () => {
      const h = F.silu(norm.forward(conv.forward(x)));
      const y = lin.forward(F.permute(h, [0, 2, 3, 1]));
      const loss = F.mean(F.mul(y, y));
      loss.backward();
      for (const p of params) {
        for (let i = 0; i < p.size; i++) p.data[i] -= 1e-4 * p.grad![i];
        p.grad = null;
      }
    };
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // After full collections the JS heap and the typed arrays' buffers are exact counts, unlike
    // RSS, which allocator arenas move by tens of MB on their own. V8 releases dead buffers' backing
    // stores on a background thread, so each collection is followed by a pause for that sweep.
    const settled = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return process.memoryUsage();
    };
    for (let i = 0; i < 1000; i++) step();
    const before = await settled();
    for (let i = 0; i < 9000; i++) step();
    const after = await settled();
    const buffersMB = (after.arrayBuffers - before.arrayBuffers) / 2 ** 20;
    const heapMB = (after.heapUsed - before.heapUsed) / 2 ** 20;
    assert.ok(buffersMB < 4, `typed-array memory grew by ${buffersMB.toFixed(1)} MB over 9,000 steps`);
    assert.ok(heapMB < 10, `heap grew by ${heapMB.toFixed(1)} MB over 9,000 steps`);
  });
});
