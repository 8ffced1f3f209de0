import { Tensor, result } from '../tensor.js';
import { TensorError } from '../errors.js';
import { kernels } from '../../backend/index.js';
import type { ScanArgs, ScanInputs } from '../../backend/kernels.js';

/** Steps between the states the forward keeps for the backward's recomputation. */
export const SCAN_CHUNK = 64;

export function checkScan(op: string, u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, deltaBias: Tensor): ScanArgs {
  const shapes = [u.shape, delta.shape, A.shape, B.shape, C.shape, D.shape, deltaBias.shape];
  const fail = (msg: string) => new TensorError(op, msg, shapes);
  if (u.ndim !== 3) throw fail('u must be (b, channels, L)');
  const [b, ch, L] = u.shape;
  if (delta.ndim !== 3 || delta.shape[0] !== b || delta.shape[1] !== ch || delta.shape[2] !== L) throw fail('delta must match u');
  if (B.ndim !== 4 || B.shape[0] !== b || B.shape[3] !== L) throw fail('B must be (b, K, n, L)');
  const [, groups, n] = B.shape;
  if (C.ndim !== 4 || C.shape.some((s, i) => s !== B.shape[i])) throw fail('C must match B');
  if (ch % groups) throw fail(`channels ${ch} are not a multiple of the ${groups} groups`);
  if (A.ndim !== 2 || A.shape[0] !== ch || A.shape[1] !== n) throw fail(`A must be (${ch}, ${n})`);
  if (D.size !== ch || deltaBias.size !== ch) throw fail(`D and deltaBias must have ${ch} elements`);
  const args: ScanArgs = { b, groups, d: ch / groups, n, L, chunk: SCAN_CHUNK };
  return args;
}

/**
 * The Mamba selective scan as one fused op (softplus on delta + deltaBias, threshold 20).
 * u, delta: (b, K·d, L); A: (K·d, n); B, C: (b, K, n, L), group k drives channels k·d…k·d+d−1;
 * D, deltaBias: (K·d). Returns y (b, K·d, L).
 */
export function selectiveScan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, deltaBias: Tensor): Tensor {
  const args = checkScan('selectiveScan', u, delta, A, B, C, D, deltaBias);
  const inputs = scanInputs(u, delta, A, B, C, D, deltaBias);
  const kern = kernels();
  const { y, states } = kern.scan(inputs, args);
  return result('selectiveScan', y, [args.b, args.groups * args.d, args.L], [u, delta, A, B, C, D, deltaBias], (g) => {
    const r = kern.scanBackward(inputs, states, g, args);
    return [r.du, r.ddelta, r.dA, r.dB, r.dC, r.dD, r.dDeltaBias];
  });
}

export function scanInputs(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor, deltaBias: Tensor): ScanInputs {
  return { u: u.data, delta: delta.data, A: A.data, B: B.data, C: C.data, D: D.data, deltaBias: deltaBias.data };
}
