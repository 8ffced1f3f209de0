import type { Rng } from '../../tensor/random.js';
import { checkImage, DegradeError, type Planar, type Kernel } from '../common.js';

/**
 * The building blocks of the blind-degradation model (in the spirit of BSRGAN's and
 * Real-ESRGAN's randomised pipelines): a *family* is one kind of degradation with a name, a
 * table of its parameter ranges and a seeded sampler `(img, rng) => degraded`; a *mix* is a
 * weighted list of families; a *preset* (families.ts) is a task's training mix and the
 * held-out mix its validation sets are made from. See docs/degradations.md.
 */

/** How one parameter is drawn, per image (or per layer, where a family says so). */
export type ParamSpec =
  /** Uniform in [lo, hi]. */
  | { kind: 'uniform'; range: readonly [number, number]; unit: string; doc: string }
  /** Log-uniform in [lo, hi] (lo > 0): as many draws in [a, 2a] as in [2a, 4a]. */
  | { kind: 'log-uniform'; range: readonly [number, number]; unit: string; doc: string }
  /** An integer, uniform in [lo, hi] inclusive. */
  | { kind: 'int'; range: readonly [number, number]; unit: string; doc: string }
  /** One of the values, equally likely. */
  | { kind: 'choice'; values: readonly string[]; doc: string }
  /** true with probability p. */
  | { kind: 'chance'; p: number; doc: string };

/** A family's parameter table: name → how it is drawn. */
export type Ranges = Readonly<Record<string, ParamSpec>>;

/** What a family drew, for the record (degradations.jsonl): numbers rounded to 4 significant digits. */
export type Params = Record<string, unknown>;

export interface Degradation<T extends Planar = Planar> {
  image: T;
  /** The family's name, or 'clean' for an undegraded sample. */
  family: string;
  params: Params;
  /** The blur kernel, for blur families (not written to the record; `params` has what makes it). */
  kernel?: Kernel;
}

export type Task = 'noise' | 'rain' | 'blur';

export interface Family {
  readonly name: string;
  readonly task: Task;
  /** One sentence: what it does to a photo. */
  readonly summary: string;
  readonly ranges: Ranges;
  /**
   * Pixels of context each output pixel reads on every side (the largest kernel radius the
   * ranges allow): a training crop is cut this much larger and trimmed after degrading, so
   * it is degraded as the whole photo would be there. 0 for pointwise degradations.
   */
  readonly margin: number;
  /** A fresh draw of the parameters, applied to `img` (CHW in [0, 1]); the result stays in [0, 1]. */
  sample<T extends Planar>(img: T, rng: Rng): Degradation<T>;
  /** The same family with some ranges replaced, under a new name. */
  with(name: string, ranges: Partial<Record<string, ParamSpec>>): Family;
}

/** Draws one value of a parameter. */
export function drawParam(spec: ParamSpec, rng: Rng): number | string | boolean {
  switch (spec.kind) {
    case 'uniform':
      return spec.range[0] + (spec.range[1] - spec.range[0]) * rng.uniform();
    case 'log-uniform':
      return spec.range[0] * (spec.range[1] / spec.range[0]) ** rng.uniform();
    case 'int':
      return rng.int(spec.range[0], spec.range[1] + 1);
    case 'choice':
      return spec.values[rng.int(0, spec.values.length)];
    case 'chance':
      return rng.uniform() < spec.p;
  }
}

function checkSpec(family: string, key: string, s: ParamSpec): void {
  const bad = (m: string): never => {
    throw new DegradeError(family, `${key}: ${m}`);
  };
  if (s.kind === 'choice') {
    if (s.values.length === 0) bad('needs at least one value');
  } else if (s.kind === 'chance') {
    if (!(s.p >= 0 && s.p <= 1)) bad(`p must be in [0, 1], got ${s.p}`);
  } else {
    const [lo, hi] = s.range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) bad(`range must be [lo, hi] with lo ≤ hi, got [${lo}, ${hi}]`);
    if (s.kind === 'log-uniform' && !(lo > 0)) bad(`a log-uniform range must start above 0, got ${lo}`);
    if (s.kind === 'int' && (!Number.isInteger(lo) || !Number.isInteger(hi))) bad(`an integer range needs integer ends, got [${lo}, ${hi}]`);
  }
}

/** A drawing helper bound to a family's ranges: `d.num('sigma')`, `d.str('composite')`, `d.bool('veil')`. */
export class Drawer {
  constructor(readonly ranges: Ranges, readonly rng: Rng, private readonly family: string) {}

  private spec(key: string): ParamSpec {
    const s = this.ranges[key];
    if (!s) throw new DegradeError(this.family, `no range '${key}'`);
    return s;
  }

  num(key: string): number {
    const v = drawParam(this.spec(key), this.rng);
    if (typeof v !== 'number') throw new DegradeError(this.family, `${key} is not a number range`);
    return v;
  }

  str(key: string): string {
    const v = drawParam(this.spec(key), this.rng);
    if (typeof v !== 'string') throw new DegradeError(this.family, `${key} is not a choice`);
    return v;
  }

  bool(key: string): boolean {
    const v = drawParam(this.spec(key), this.rng);
    if (typeof v !== 'boolean') throw new DegradeError(this.family, `${key} is not a chance`);
    return v;
  }

  /** The upper end of a numeric range (for margins). */
  hi(key: string): number {
    const s = this.spec(key);
    if (s.kind === 'choice' || s.kind === 'chance') throw new DegradeError(this.family, `${key} is not a number range`);
    return s.range[1];
  }
}

/** The upper end of a numeric range of a table. */
export function rangeHi(ranges: Ranges, key: string): number {
  const s = ranges[key];
  if (!s || s.kind === 'choice' || s.kind === 'chance') throw new DegradeError('ranges', `no numeric range '${key}'`);
  return s.range[1];
}

/** 4 significant digits, for the record. */
export function round4(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(4));
}

export interface FamilyDefinition {
  name: string;
  task: Task;
  summary: string;
  ranges: Ranges;
  margin(ranges: Ranges): number;
  /** Draws the parameters with `d` and applies them; returns the new data and the record. */
  apply(img: Planar, d: Drawer): { data: Float32Array; params: Params; kernel?: Kernel };
}

/** Makes a family from a definition; the output is clipped to [0, 1]. */
export function defineFamily(def: FamilyDefinition): Family {
  for (const [k, s] of Object.entries(def.ranges)) checkSpec(def.name, k, s);
  const margin = def.margin(def.ranges);
  return {
    name: def.name,
    task: def.task,
    summary: def.summary,
    ranges: def.ranges,
    margin,
    sample<T extends Planar>(img: T, rng: Rng): Degradation<T> {
      checkImage(def.name, img);
      const r = def.apply(img, new Drawer(def.ranges, rng, def.name));
      const d = r.data;
      for (let i = 0; i < d.length; i++) d[i] = d[i] < 0 ? 0 : d[i] > 1 ? 1 : d[i];
      return { image: { ...img, data: d }, family: def.name, params: r.params, kernel: r.kernel };
    },
    with(name: string, ranges: Partial<Record<string, ParamSpec>>): Family {
      for (const k of Object.keys(ranges)) if (!(k in def.ranges)) throw new DegradeError(def.name, `no range '${k}' to replace (it has ${Object.keys(def.ranges).join(', ')})`);
      return defineFamily({ ...def, name, ranges: { ...def.ranges, ...ranges } as Ranges });
    },
  };
}

/**
 * Families applied one after the other (e.g. noise, then JPEG as a camera saves it): the
 * record lists each step's family and parameters; the margin is the sum of theirs.
 */
export function chainFamilies(name: string, summary: string, steps: readonly Family[]): Family {
  if (steps.length === 0) throw new DegradeError(name, 'a chain needs at least one family');
  const task = steps[0].task;
  const ranges: Record<string, ParamSpec> = {};
  for (const f of steps) for (const [k, s] of Object.entries(f.ranges)) ranges[`${f.name}.${k}`] = s;
  const family: Family = {
    name,
    task,
    summary,
    ranges,
    margin: steps.reduce((m, f) => m + f.margin, 0),
    sample<T extends Planar>(img: T, rng: Rng): Degradation<T> {
      let cur: T = img;
      const params: Params = { steps: [] as Params[] };
      let kernel: Kernel | undefined;
      for (const f of steps) {
        const r = f.sample(cur, rng);
        cur = r.image;
        (params.steps as Params[]).push({ family: r.family, ...r.params });
        kernel ??= r.kernel;
      }
      return { image: cur, family: name, params, kernel };
    },
    with(newName: string, over: Partial<Record<string, ParamSpec>>): Family {
      const rebuilt = steps.map((f) => {
        const mine = Object.fromEntries(Object.entries(over).filter(([k]) => k.startsWith(`${f.name}.`)).map(([k, v]) => [k.slice(f.name.length + 1), v]));
        return Object.keys(mine).length ? f.with(f.name, mine) : f;
      });
      for (const k of Object.keys(over)) if (!(k in ranges)) throw new DegradeError(name, `no range '${k}' to replace (it has ${Object.keys(ranges).join(', ')})`);
      return chainFamilies(newName, summary, rebuilt);
    },
  };
  return family;
}

/** A weighted list of families; a family is drawn with probability weight / total. */
export type Mix = readonly { family: Family; weight: number }[];

export function checkMix(mix: Mix, where: string): void {
  if (mix.length === 0) throw new DegradeError(where, 'the mix has no families');
  for (const { family, weight } of mix) if (!(weight >= 0) || !Number.isFinite(weight)) throw new DegradeError(where, `${family.name}: weight must be a finite number ≥ 0, got ${weight}`);
  if (!mix.some((m) => m.weight > 0)) throw new DegradeError(where, 'every weight is 0');
}

/** Draws one family of a mix (one uniform from `rng`). */
export function drawFamily(mix: Mix, rng: Rng): Family {
  const total = mix.reduce((s, m) => s + m.weight, 0);
  let u = rng.uniform() * total;
  for (const m of mix) {
    if (m.weight <= 0) continue;
    if (u < m.weight) return m.family;
    u -= m.weight;
  }
  return [...mix].reverse().find((m) => m.weight > 0)!.family;
}

function fmt(v: number): string {
  return Math.abs(v) > 0 && Math.abs(v) < 0.01 ? v.toExponential(1).replace('e-', 'e−') : String(v);
}

/** How a parameter is drawn, in words (the "drawn from" column of docs/degradations.md). */
export function describeSpec(s: ParamSpec): string {
  switch (s.kind) {
    case 'uniform':
      return `uniform [${fmt(s.range[0])}, ${fmt(s.range[1])}]`;
    case 'log-uniform':
      return `log-uniform [${fmt(s.range[0])}, ${fmt(s.range[1])}]`;
    case 'int':
      return `integer ${s.range[0]}…${s.range[1]}`;
    case 'choice':
      return s.values.join(' / ');
    case 'chance':
      return `probability ${s.p}`;
  }
}

/** A family's parameter table as Markdown rows (docs/degradations.md holds these rows verbatim; a test checks it). */
export function rangesTable(f: Family): string[] {
  return [
    '| parameter | drawn from | unit | meaning |',
    '|---|---|---|---|',
    ...Object.entries(f.ranges).map(([k, s]) => `| \`${k}\` | ${describeSpec(s)} | ${'unit' in s ? s.unit : ''} | ${s.doc} |`),
  ];
}
