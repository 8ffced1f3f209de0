import { describe, it } from 'node:test';
import * as F from '../../src/tensor/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { StoredTensor } from '../../src/io/safetensors.js';
import { Module, ChannelLayerNorm } from '../../src/nn/index.js';
import { FeedForward, SS2D, DTB, timestepEmbedding } from '../../src/model/index.js';
import { assertClose, fixtureCase, fx, tolOf } from '../helpers/fixtures.js';
import { availableBackends, withBackend } from '../tensor/backends.js';

/** Loads `<prefix>param.<key>` fixture tensors into a module (strict). */
function loadParams(m: Module, tensors: Map<string, StoredTensor>, prefix = ''): void {
  const sd = new Map<string, StoredTensor>();
  for (const [k, v] of tensors) if (k.startsWith(`${prefix}param.`)) sd.set(k.slice(prefix.length + 6), v);
  m.loadStateDict(sd);
}

/** Runs f, backprops sum(out·g) and compares output and every listed gradient with the fixture. */
function checkCase(caseName: string, m: Module, input: Tensor, f: (x: Tensor) => Tensor, prefix = '', outName = 'output'): void {
  const { info, tensors } = fixtureCase(caseName);
  const out = f(input);
  assertClose(out.data, tensors.get(`${prefix}${outName}`)!.data, tolOf(info, `${prefix}${outName}`), `${caseName} ${outName}`);
  const g = fx(tensors, `${prefix}g`);
  F.sum(F.mul(out, g)).backward();
  assertClose(input.grad!, tensors.get(`${prefix}grad.input`)!.data, tolOf(info, `${prefix}grad.input`), `${caseName} grad.input`);
  for (const [k, p] of m.namedParameters()) {
    const name = `${prefix}grad.${k}`;
    if (!tensors.has(name)) continue;
    assertClose(p.grad!, tensors.get(name)!.data, tolOf(info, name), `${caseName} ${name}`);
  }
}

for (const backend of availableBackends()) {
  describe(`model components vs the PyTorch fixtures (${backend})`, () => {
    const run = (name: string, fn: () => void) => it(name, () => withBackend(backend, fn));

    run('timestep embedding, every dim', () => {
      const { tensors } = fixtureCase('timestep_embedding');
      const t = tensors.get('t')!.data;
      for (const d of [4, 6, 7, 8, 16, 48, 96]) {
        assertClose(timestepEmbedding(t, d).data, tensors.get(`emb.d${d}`)!.data, [1e-4, 1e-4], `emb.d${d}`);
      }
    });

    for (const variant of ['withbias', 'biasfree'] as const) {
      run(`channel layer norm (${variant})`, () => {
        const { tensors } = fixtureCase('layernorm');
        const ln = new ChannelLayerNorm(8, variant === 'withbias' ? 'WithBias' : 'BiasFree');
        loadParams(ln, tensors, `${variant}.`);
        const x = fx(tensors, `${variant}.input`, true);
        checkCase('layernorm', ln, x, (v) => ln.forward(v), `${variant}.`);
      });
    }

    run('gated FFN', () => {
      const { tensors } = fixtureCase('ffn');
      const ffn = new FeedForward(8, 2.66, true);
      loadParams(ffn, tensors);
      checkCase('ffn', ffn, fx(tensors, 'input', true), (v) => ffn.forward(v));
    });

    run('SS2D (fixture is channels-last)', () => {
      const { tensors } = fixtureCase('ss2d');
      const ss = new SS2D(8, 32);
      loadParams(ss, tensors);
      checkCase('ss2d', ss, fx(tensors, 'input', true), (v) => F.permute(ss.forward(F.permute(v, [0, 3, 1, 2])), [0, 2, 3, 1]));
    });

    run('DTB', () => {
      const { info, tensors } = fixtureCase('dtb');
      const blk = new DTB(8, 'WithBias', 32);
      loadParams(blk, tensors);
      const t = tensors.get('t')!.data;
      const temb = F.reshape(F.silu(timestepEmbedding(t, 8)), [1, 8, 1, 1]);
      assertClose(temb.data, tensors.get('t_out')!.data, tolOf(info, 't_out'), 'dtb t_out');
      checkCase('dtb', blk, fx(tensors, 'input', true), (v) => blk.forward(v, temb));
    });

    run('selective scan op', () => {
      const { info, tensors } = fixtureCase('scan');
      const names = ['u', 'delta', 'A', 'B', 'C', 'D', 'delta_bias'];
      const xs = names.map((n) => fx(tensors, n, true));
      const y = F.selectiveScan(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6]);
      assertClose(y.data, tensors.get('y')!.data, tolOf(info, 'y'), 'scan y');
      F.sum(F.mul(y, fx(tensors, 'g'))).backward();
      names.forEach((n, i) => assertClose(xs[i].grad!, tensors.get(`grad.${n}`)!.data, tolOf(info, `grad.${n}`), `scan grad.${n}`));
    });
  });
}
