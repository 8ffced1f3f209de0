import { Tensor } from '../tensor/tensor.js';

/** A mismatch between a state dict and a module, every key listed at once. */
export interface LoadReport {
  missing: string[];
  unexpected: string[];
  /** Keys present on both sides with different shapes. */
  wrongShape: { key: string; expected: number[]; got: number[] }[];
}

export interface StateTensor {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * A layer holding named parameters and sub-modules, named and ordered as PyTorch's
 * state_dict: own parameters first (in registration order), then each child's.
 */
export class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  private disposedFlag = false;

  /** True after dispose(). */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /**
   * Releases the weights: every parameter's data and gradient is dropped (replaced by an
   * empty array) in this module and its children, so the memory can be collected even while
   * something still references the module. The module is unusable afterwards (DFT.forward
   * throws ModelDisposedError). Idempotent.
   */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const t of this.ownParams.values()) {
      (t as { data: Float32Array }).data = new Float32Array(0);
      t.grad = null;
      t.node = null;
    }
    for (const m of this.children.values()) m.dispose();
  }

  protected param(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    t.name = name;
    this.ownParams.set(name, t);
    return t;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this.ownParams) out.push([prefix + k, t]);
    for (const [k, m] of this.children) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  parameterCount(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** The parameters by official key, sharing memory with the module. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /** Compares a state dict with this module's keys and shapes without changing anything. */
  checkStateDict(sd: ReadonlyMap<string, StateTensor>): LoadReport {
    const own = this.stateDict();
    const report: LoadReport = { missing: [], unexpected: [], wrongShape: [] };
    for (const [k, t] of own) {
      const s = sd.get(k);
      if (!s) report.missing.push(k);
      else if (s.shape.length !== t.shape.length || s.shape.some((v, i) => v !== t.shape[i]) || s.data.length !== t.size) {
        report.wrongShape.push({ key: k, expected: [...t.shape], got: [...s.shape] });
      }
    }
    for (const k of sd.keys()) if (!own.has(k)) report.unexpected.push(k);
    return report;
  }

  /**
   * Copies matching tensors in. Strict (the default) refuses any mismatch, listing every
   * key; non-strict loads what fits and returns the rest.
   */
  loadStateDict(sd: ReadonlyMap<string, StateTensor>, strict = true): LoadReport {
    if (this.disposedFlag) throw new ModelDisposedError('loadStateDict');
    const report = this.checkStateDict(sd);
    if (strict && (report.missing.length || report.unexpected.length || report.wrongShape.length)) {
      throw new StateDictError(report);
    }
    const bad = new Set(report.wrongShape.map((w) => w.key));
    for (const [k, t] of this.stateDict()) {
      const s = sd.get(k);
      if (s && !bad.has(k)) t.data.set(s.data);
    }
    return report;
  }
}

/** A disposed module was used (see Module.dispose). */
export class ModelDisposedError extends Error {
  constructor(what: string) {
    super(`${what}: the model was disposed (its weights were released); load it again to use it`);
    this.name = 'ModelDisposedError';
  }
}

export class StateDictError extends Error {
  constructor(readonly report: LoadReport) {
    super(describeReport(report));
    this.name = 'StateDictError';
  }
}

export function describeReport(r: LoadReport): string {
  const lines: string[] = ['the state dict does not match the model:'];
  if (r.missing.length) lines.push(`  missing keys (${r.missing.length}): ${r.missing.join(', ')}`);
  if (r.unexpected.length) lines.push(`  unexpected keys (${r.unexpected.length}): ${r.unexpected.join(', ')}`);
  for (const w of r.wrongShape) lines.push(`  wrong shape: ${w.key} is [${w.got.join(', ')}], the model needs [${w.expected.join(', ')}]`);
  return lines.join('\n');
}

/** A named group of sub-modules without a forward of its own (a namespace in the state dict). */
export class Container extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.child(name, m);
  }
}
