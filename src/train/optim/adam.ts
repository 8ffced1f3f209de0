import type { Param } from './param.js';

/** One parameter group; `lr` is what the scheduler sets, `initialLr` the configured base. */
export interface ParamGroup {
  params: Param[];
  lr: number;
  initialLr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** A group given to the constructor: its own params, and any option overriding the defaults. */
export interface ParamGroupInit extends AdamOptions {
  params: Param[];
}

/** Per-parameter moments; absent until the parameter's first step (as in torch). */
export interface AdamParamState {
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

/** Everything needed to resume exactly: hyper-parameters and moments, in parameter order. */
export interface AdamState {
  type: 'Adam' | 'AdamW';
  groups: { lr: number; initialLr: number; betas: [number, number]; eps: number; weightDecay: number; size: number }[];
  /** One entry per parameter, groups flattened in order; null for a never-stepped parameter. */
  params: (AdamParamState | null)[];
}

/** What an LR scheduler drives. */
export interface HasParamGroups {
  paramGroups: { lr: number; initialLr: number }[];
}

/**
 * torch.optim.Adam / AdamW (single-tensor path, amsgrad off), per element:
 * ```
 * m = β1·m + (1−β1)·g ;  v = β2·v + (1−β2)·g²
 * p −= lr/(1−β1^k) · m / (√v/√(1−β2^k) + eps)
 * ```
 * Adam adds `wd·p` to the gradient (L2); AdamW first shrinks `p *= 1 − lr·wd` (decoupled).
 * Arithmetic is float64 per element with every stored value rounded to float32.
 */
abstract class AdamBase implements HasParamGroups {
  abstract readonly type: 'Adam' | 'AdamW';
  readonly paramGroups: ParamGroup[];
  private readonly moments = new Map<Param, AdamParamState>();

  constructor(params: Param[] | ParamGroupInit[], defaults: Required<AdamOptions>) {
    const groups: ParamGroupInit[] = params.length > 0 && 'params' in params[0] && !('data' in params[0])
      ? (params as ParamGroupInit[])
      : [{ params: params as Param[] }];
    const seen = new Set<Param>();
    this.paramGroups = groups.map((g, gi) => {
      const o = { ...defaults, ...stripUndefined(g) };
      checkHyper(o, `param group ${gi}`);
      for (const p of g.params) {
        if (seen.has(p)) throw new Error(`optimizer: parameter ${p.name ?? '?'} appears in more than one group`);
        seen.add(p);
      }
      return { params: [...g.params], lr: o.lr, initialLr: o.lr, betas: [o.betas[0], o.betas[1]], eps: o.eps, weightDecay: o.weightDecay };
    });
  }

  /** Sets every gradient to null (torch's `zero_grad(set_to_none=True)`), or to zeros. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else p.grad.fill(0);
      }
    }
  }

  step(): void {
    const decoupled = this.type === 'AdamW';
    for (const group of this.paramGroups) {
      const { lr, eps, weightDecay: wd } = group;
      const [b1, b2] = group.betas;
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        if (g.length !== p.data.length) throw new Error(`optimizer: gradient of ${p.name ?? 'a parameter'} has ${g.length} values, the parameter ${p.data.length}`);
        let st = this.moments.get(p);
        if (!st) {
          st = { step: 0, expAvg: new Float32Array(p.data.length), expAvgSq: new Float32Array(p.data.length) };
          this.moments.set(p, st);
        }
        st.step += 1;
        const bc1 = 1 - b1 ** st.step;
        const bc2Sqrt = Math.sqrt(1 - b2 ** st.step);
        const stepSize = lr / bc1;
        const shrink = 1 - lr * wd;
        const { data } = p;
        const m = st.expAvg;
        const v = st.expAvgSq;
        for (let i = 0; i < data.length; i++) {
          let gi = g[i];
          if (wd !== 0) {
            if (decoupled) data[i] *= shrink;
            else gi = Math.fround(gi + wd * data[i]);
          }
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          data[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
        }
      }
    }
  }

  /** The parameters in group order (the order {@link state} uses). */
  private allParams(): Param[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  state(): AdamState {
    return {
      type: this.type,
      groups: this.paramGroups.map((g) => ({ lr: g.lr, initialLr: g.initialLr, betas: [g.betas[0], g.betas[1]], eps: g.eps, weightDecay: g.weightDecay, size: g.params.length })),
      params: this.allParams().map((p) => {
        const s = this.moments.get(p);
        return s ? { step: s.step, expAvg: s.expAvg.slice(), expAvgSq: s.expAvgSq.slice() } : null;
      }),
    };
  }

  /** Restores {@link state}'s output; the parameter list must have the same layout. */
  loadState(state: AdamState): void {
    if (state.type !== this.type) throw new Error(`optimizer: state is for ${state.type}, this optimizer is ${this.type}`);
    if (state.groups.length !== this.paramGroups.length) throw new Error(`optimizer: state has ${state.groups.length} param groups, this optimizer ${this.paramGroups.length}`);
    state.groups.forEach((sg, i) => {
      if (sg.size !== this.paramGroups[i].params.length) throw new Error(`optimizer: state group ${i} has ${sg.size} parameters, this optimizer's ${this.paramGroups[i].params.length}`);
    });
    const params = this.allParams();
    if (state.params.length !== params.length) throw new Error(`optimizer: state has ${state.params.length} parameter entries, this optimizer ${params.length}`);
    state.params.forEach((s, i) => {
      if (s && (s.expAvg.length !== params[i].data.length || s.expAvgSq.length !== params[i].data.length)) {
        throw new Error(`optimizer: state entry ${i} (${params[i].name ?? 'unnamed'}) has ${s.expAvg.length} values, the parameter ${params[i].data.length}`);
      }
      if (s && !(Number.isInteger(s.step) && s.step >= 0)) throw new Error(`optimizer: state entry ${i} has an invalid step ${s.step}`);
    });
    state.groups.forEach((sg, i) => {
      const g = this.paramGroups[i];
      g.lr = sg.lr;
      g.initialLr = sg.initialLr;
      g.betas = [sg.betas[0], sg.betas[1]];
      g.eps = sg.eps;
      g.weightDecay = sg.weightDecay;
    });
    this.moments.clear();
    state.params.forEach((s, i) => {
      if (s) this.moments.set(params[i], { step: s.step, expAvg: Float32Array.from(s.expAvg), expAvgSq: Float32Array.from(s.expAvgSq) });
    });
  }
}

/** torch.optim.Adam: weight decay is an L2 term added to the gradient. Defaults as torch's. */
export class Adam extends AdamBase {
  readonly type = 'Adam' as const;
  constructor(params: Param[] | ParamGroupInit[], opts: AdamOptions = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...stripUndefined(opts) });
  }
}

/** torch.optim.AdamW: decoupled weight decay. Defaults as torch's (weight decay 1e-2). */
export class AdamW extends AdamBase {
  readonly type = 'AdamW' as const;
  constructor(params: Param[] | ParamGroupInit[], opts: AdamOptions = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, ...stripUndefined(opts) });
  }
}

export type Optimizer = Adam | AdamW;

function checkHyper(o: Required<AdamOptions>, where: string): void {
  if (!(o.lr >= 0) || !Number.isFinite(o.lr)) throw new RangeError(`optimizer ${where}: invalid lr ${o.lr}`);
  if (!(o.eps >= 0)) throw new RangeError(`optimizer ${where}: invalid eps ${o.eps}`);
  if (!Array.isArray(o.betas) || o.betas.length !== 2 || !o.betas.every((b) => b >= 0 && b < 1)) {
    throw new RangeError(`optimizer ${where}: betas must be two numbers in [0, 1), got ${JSON.stringify(o.betas)}`);
  }
  if (!(o.weightDecay >= 0)) throw new RangeError(`optimizer ${where}: invalid weight decay ${o.weightDecay}`);
}

function stripUndefined<T extends object>(o: T): Partial<Required<AdamOptions>> {
  const out: Record<string, unknown> = {};
  for (const k of ['lr', 'betas', 'eps', 'weightDecay'] as const) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as Partial<Required<AdamOptions>>;
}
