import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as F from '../../src/tensor/ops/index.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { TensorError } from '../../src/tensor/errors.js';

describe('autograd core', () => {
  it('accumulates gradients over repeated backward calls and through shared inputs', () => {
    const x = Tensor.from([1, 2, 3], [3], true);
    F.sum(F.mul(x, x)).backward();
    assert.deepEqual(Array.from(x.grad!), [2, 4, 6]);
    F.sum(F.add(x, x)).backward();
    assert.deepEqual(Array.from(x.grad!), [4, 6, 8]);
  });

  it('records nothing under noGrad and detach cuts the graph', () => {
    const x = Tensor.from([1, 2], [2], true);
    const y = noGrad(() => F.mul(x, 3));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.node, null);
    const z = F.mul(x, 2).detach();
    assert.equal(z.requiresGrad, false);
  });

  it('frees the graph after backward unless retained', () => {
    const x = Tensor.from([1, 2], [2], true);
    const h = F.exp(x);
    const y = F.sum(h);
    y.backward({ retainGraph: true });
    assert.notEqual(h.node, null);
    y.backward();
    assert.equal(h.node, null);
    assert.equal(y.node, null);
  });

  it('refuses backward from a non-scalar and from a tensor without a graph', () => {
    const x = Tensor.from([1, 2], [2], true);
    assert.throws(() => F.mul(x, 2).backward(), /backward: can only start from a scalar.*\[2\]/);
    assert.throws(() => Tensor.from([1], [1]).backward(), /does not require grad/);
  });

  it('names the op and shapes on bad input', () => {
    const a = Tensor.zeros([2, 3]);
    const b = Tensor.zeros([4, 3]);
    assert.throws(() => F.add(a, b), (e: unknown) => e instanceof TensorError && /add: shapes do not broadcast \(shapes \[2, 3\], \[4, 3\]\)/.test((e as Error).message));
    assert.throws(() => F.matmul(a, b), /matmul: inner sizes differ.*\[2, 3\], \[4, 3\]/);
    assert.throws(() => F.sum(a, [2]), /sum: axis 2 is out of range for rank 2/);
    assert.throws(() => F.conv2d(Tensor.zeros([1, 3, 4, 4]), Tensor.zeros([2, 4, 3, 3])), /conv2d: weight expects 4 input channels, input has 3/);
    assert.throws(() => new Tensor(new Float64Array(4) as unknown as Float32Array, [4]), /Tensor: data must be a Float32Array, got Float64Array/);
    assert.throws(() => F.add(a, 'x' as unknown as number), /add: expected a Tensor or number/);
  });
});
