import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { readSafetensors, type StoredTensor } from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { fixturePath } from './shared.js';

interface TensorInfo {
  shape: number[];
  role: string;
  tol?: [number, number];
}

interface CaseInfo {
  file: string;
  config?: Record<string, unknown>;
  tensors: Record<string, TensorInfo>;
  [group: `tensor_group:${string}`]: { tol_rule?: string; tol_exceptions?: Record<string, [number, number]> } | undefined;
}

let manifest: { cases: Record<string, CaseInfo> } | null = null;

export function fixtureCase(name: string): { info: CaseInfo; tensors: Map<string, StoredTensor> } {
  manifest ??= JSON.parse(readFileSync(fixturePath('manifest.json'), 'utf8'));
  const info = manifest!.cases[name];
  if (!info) throw new Error(`no fixture case '${name}'`);
  return { info, tensors: readSafetensors(fixturePath(info.file)).tensors };
}

/** A fixture tensor as an engine Tensor. */
export function fx(tensors: Map<string, StoredTensor>, name: string, requiresGrad = false): Tensor {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture tensor '${name}' is missing`);
  return new Tensor(t.data.slice(), t.shape, requiresGrad);
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, reporting the worst element. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: readonly [number, number], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} vs ${expected.length}`);
  const [atol, rtol] = tol;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    const lim = atol + rtol * Math.abs(e);
    if (!(err <= lim) && (worst < 0 || err - lim > worstExcess)) {
      worst = i;
      worstExcess = err - lim;
    }
  }
  if (worst >= 0) {
    assert.fail(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (tol ${atol} + ${rtol}·|e|)`);
  }
}

/**
 * The manifest tolerance of a fixture tensor: its own `tol`, or its group's rule
 * ("atol = 1e-3 * max|expected tensor|, rtol = 1e-3", with listed exceptions).
 */
export function tolOf(info: CaseInfo, name: string, expected?: ArrayLike<number>): [number, number] {
  const t = info.tensors[name]?.tol;
  if (t) return t;
  for (const key of Object.keys(info)) {
    if (!key.startsWith('tensor_group:')) continue;
    const prefix = key.slice('tensor_group:'.length).split('<')[0];
    if (!name.startsWith(prefix)) continue;
    const group = info[key as `tensor_group:${string}`]!;
    const exception = group.tol_exceptions?.[name] ?? group.tol_exceptions?.[name.slice(prefix.length)];
    if (exception) return exception;
    const m = /atol = ([\d.e-]+) \* max\|expected tensor\|, rtol = ([\d.e-]+)/.exec(group.tol_rule ?? '');
    if (!m || !expected) throw new Error(`fixture tensor '${name}': cannot apply the group rule '${group.tol_rule}'`);
    let maxAbs = 0;
    for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
    return [Number(m[1]) * maxAbs, Number(m[2])];
  }
  throw new Error(`fixture tensor '${name}' has no tolerance`);
}
