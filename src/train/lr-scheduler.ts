/**
 * BasicSR's learning-rate schedulers (basicsr/models/lr_scheduler.py), in closed form.
 *
 * Iteration / lr alignment (BasicSR's `train.py` + `BaseModel.update_learning_rate`):
 * the loop does `current_iter += 1` and then calls `update_learning_rate(current_iter,
 * warmup_iter)`, which steps every scheduler only when `current_iter > 1`, and then, while
 * `current_iter < warmup_iter`, overrides the lr with `initial_lr · current_iter / warmup_iter`.
 * A freshly built scheduler sits at `last_epoch = 0`, so the lr used by the optimizer step
 * of (1-based) iteration i is
 *
 *     lr(i) = initial_lr · i / warmup_iter        if i < warmup_iter
 *           = schedule(last_epoch = i − 1)        otherwise
 *
 * {@link updateLearningRate} reproduces exactly that; {@link lrForIteration} is the same
 * thing as a pure function.
 */
import type { HasParamGroups } from './optim/adam.js';

/** The schedulers of BasicSR's option files that createScheduler builds. */
export const SCHEDULER_TYPES = ['CosineAnnealingRestartCyclicLR', 'CosineAnnealingRestartLR', 'MultiStepLR'] as const;
export type LrSchedulerType = (typeof SCHEDULER_TYPES)[number];

export interface LrSchedulerState {
  type: LrSchedulerType;
  lastEpoch: number;
  baseLrs: number[];
}

export abstract class LrScheduler {
  abstract readonly type: LrSchedulerType;
  /** torch's `last_epoch`: how many times `step()` has run since construction. */
  lastEpoch = 0;
  /** The groups' `initialLr` when the scheduler was made (torch's `base_lrs`). */
  baseLrs: number[];

  constructor(readonly optimizer: HasParamGroups) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr);
  }

  /** The lr of every group at a given `last_epoch`, without changing anything. */
  abstract lrsAt(lastEpoch: number): number[];

  /** Applies the schedule at `lastEpoch` (torch does this once on construction). */
  protected apply(): void {
    const lrs = this.lrsAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
  }

  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  state(): LrSchedulerState {
    return { type: this.type, lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores position and base lrs; the group lrs are restored with the optimizer's state. */
  loadState(s: LrSchedulerState): void {
    if (s.type !== this.type) throw new Error(`lr scheduler: state is for ${s.type}, this scheduler is ${this.type}`);
    if (s.baseLrs.length !== this.baseLrs.length) throw new Error(`lr scheduler: state has ${s.baseLrs.length} base lrs, the optimizer ${this.baseLrs.length} groups`);
    if (!(Number.isInteger(s.lastEpoch) && s.lastEpoch >= 0)) throw new Error(`lr scheduler: invalid lastEpoch ${s.lastEpoch}`);
    this.lastEpoch = s.lastEpoch;
    this.baseLrs = [...s.baseLrs];
  }
}

/**
 * BasicSR `get_position_from_periods`: the first cycle whose cumulative end is ≥ iteration.
 * BasicSR returns None past the last cycle (and then crashes); we stay in the last cycle,
 * clamped to its end (see callers).
 */
function cyclePosition(iteration: number, cumulative: number[]): number {
  for (let i = 0; i < cumulative.length; i++) if (iteration <= cumulative[i]) return i;
  return -1;
}

function cumulativeOf(periods: number[]): number[] {
  const out: number[] = [];
  let s = 0;
  for (const p of periods) out.push((s += p));
  return out;
}

function checkPeriods(periods: number[], restartWeights: number[], where: string): void {
  if (periods.length === 0) throw new RangeError(`${where}: periods must not be empty`);
  if (!periods.every((p) => Number.isInteger(p) && p > 0)) throw new RangeError(`${where}: periods must be positive integers, got ${JSON.stringify(periods)}`);
  if (restartWeights.length !== periods.length) throw new RangeError(`${where}: periods (${periods.length}) and restart_weights (${restartWeights.length}) differ in length`);
}

function cosine(etaMin: number, weight: number, baseLr: number, sinceRestart: number, period: number): number {
  return etaMin + weight * 0.5 * (baseLr - etaMin) * (1 + Math.cos(Math.PI * (sinceRestart / period)));
}

/**
 * BasicSR `CosineAnnealingRestartCyclicLR(optimizer, periods, restart_weights, eta_mins)`:
 * cycle idx = first with `last_epoch ≤ cumsum(periods)[idx]`, then
 * `eta_min[idx] + w[idx]·0.5·(base − eta_min[idx])·(1 + cos(π·(last_epoch − restart)/period[idx]))`.
 * Past the end of the last cycle (where BasicSR raises) the lr stays at that cycle's end value.
 */
export class CosineAnnealingRestartCyclicLR extends LrScheduler {
  readonly type = 'CosineAnnealingRestartCyclicLR' as const;
  readonly cumulativePeriod: number[];

  constructor(optimizer: HasParamGroups, readonly periods: number[], readonly restartWeights: number[] = [1], readonly etaMins: number[] = [0]) {
    super(optimizer);
    checkPeriods(periods, restartWeights, 'CosineAnnealingRestartCyclicLR');
    if (etaMins.length !== periods.length) throw new RangeError(`CosineAnnealingRestartCyclicLR: periods (${periods.length}) and eta_mins (${etaMins.length}) differ in length`);
    this.cumulativePeriod = cumulativeOf(periods);
    this.apply();
  }

  lrsAt(lastEpoch: number): number[] {
    return restartCosineLrs(this.baseLrs, lastEpoch, this.periods, this.cumulativePeriod, this.restartWeights, (idx) => this.etaMins[idx]);
  }
}

/**
 * The cosine-with-restarts learning rates of both BasicSR schedulers at `lastEpoch`: find the
 * cycle, then anneal from the cycle's weighted base rate to its eta_min (held past the end).
 */
function restartCosineLrs(baseLrs: number[], lastEpoch: number, periods: number[], cumulative: number[], weights: number[], etaMin: (cycle: number) => number): number[] {
  let idx = cyclePosition(lastEpoch, cumulative);
  let e = lastEpoch;
  if (idx < 0) {
    idx = periods.length - 1;
    e = cumulative[idx];
  }
  const restart = idx === 0 ? 0 : cumulative[idx - 1];
  return baseLrs.map((b) => cosine(etaMin(idx), weights[idx], b, e - restart, periods[idx]));
}

/** BasicSR `CosineAnnealingRestartLR(optimizer, periods, restart_weights, eta_min)`: one eta_min for all cycles. */
export class CosineAnnealingRestartLR extends LrScheduler {
  readonly type = 'CosineAnnealingRestartLR' as const;
  readonly cumulativePeriod: number[];

  constructor(optimizer: HasParamGroups, readonly periods: number[], readonly restartWeights: number[] = [1], readonly etaMin = 0) {
    super(optimizer);
    checkPeriods(periods, restartWeights, 'CosineAnnealingRestartLR');
    this.cumulativePeriod = cumulativeOf(periods);
    this.apply();
  }

  lrsAt(lastEpoch: number): number[] {
    return restartCosineLrs(this.baseLrs, lastEpoch, this.periods, this.cumulativePeriod, this.restartWeights, () => this.etaMin);
  }
}

/**
 * BasicSR `MultiStepRestartLR` (its `MultiStepLR` type), in closed form:
 * `base · w_r · γ^(number of milestones m with r < m ≤ last_epoch)`, r the latest restart
 * ≤ last_epoch (restarts default [0], weights [1]). This equals BasicSR's chained form
 * unless a warm-up overrode the lr in between (BasicSR then keeps the warm-up's last lr
 * until the next milestone; we return to the schedule).
 */
export class MultiStepLR extends LrScheduler {
  readonly type = 'MultiStepLR' as const;

  constructor(optimizer: HasParamGroups, readonly milestones: number[], readonly gamma = 0.1, readonly restarts: number[] = [0], readonly restartWeights: number[] = [1]) {
    super(optimizer);
    if (!milestones.every((m) => Number.isInteger(m) && m >= 0)) throw new RangeError(`MultiStepLR: milestones must be non-negative integers, got ${JSON.stringify(milestones)}`);
    if (restarts.length !== restartWeights.length) throw new RangeError(`MultiStepLR: restarts (${restarts.length}) and restart_weights (${restartWeights.length}) differ in length`);
    this.apply();
  }

  lrsAt(lastEpoch: number): number[] {
    let r = -1;
    let w = 1;
    this.restarts.forEach((rs, i) => {
      if (rs <= lastEpoch && rs > r) {
        r = rs;
        w = this.restartWeights[i];
      }
    });
    const k = this.milestones.filter((m) => m > r && m <= lastEpoch).length;
    return this.baseLrs.map((b) => b * w * this.gamma ** k);
  }
}

export interface SchedulerOptions {
  type: LrSchedulerType;
  periods?: number[];
  restart_weights?: number[];
  eta_mins?: number[];
  eta_min?: number;
  milestones?: number[];
  gamma?: number;
  restarts?: number[];
}

/** Builds a scheduler from the YAML's `train.scheduler` block (BasicSR names). */
export function createScheduler(optimizer: HasParamGroups, o: SchedulerOptions): LrScheduler {
  switch (o.type) {
    case 'CosineAnnealingRestartCyclicLR':
      return new CosineAnnealingRestartCyclicLR(optimizer, req(o.periods, 'periods', o.type), o.restart_weights ?? [1], o.eta_mins ?? [0]);
    case 'CosineAnnealingRestartLR':
      return new CosineAnnealingRestartLR(optimizer, req(o.periods, 'periods', o.type), o.restart_weights ?? [1], o.eta_min ?? 0);
    case 'MultiStepLR':
      return new MultiStepLR(optimizer, req(o.milestones, 'milestones', o.type), o.gamma ?? 0.1, o.restarts ?? [0], o.restart_weights ?? [1]);
    default:
      throw new RangeError(`unsupported scheduler type '${(o as { type: string }).type}'`);
  }
}

function req<T>(v: T | undefined, key: string, type: string): T {
  if (v === undefined) throw new RangeError(`${type}: '${key}' is required`);
  return v;
}

/**
 * BasicSR `BaseModel.update_learning_rate(current_iter, warmup_iter)`, called at the start
 * of (1-based) iteration `currentIter`: steps the schedulers when `currentIter > 1`, then
 * applies the linear warm-up `initial_lr · currentIter / warmupIter` while
 * `currentIter < warmupIter` (warmupIter ≤ 0 disables it).
 */
export function updateLearningRate(optimizer: HasParamGroups, schedulers: LrScheduler | LrScheduler[], currentIter: number, warmupIter = -1): void {
  const list = Array.isArray(schedulers) ? schedulers : [schedulers];
  if (currentIter > 1) for (const s of list) s.step();
  if (currentIter < warmupIter) {
    for (const g of optimizer.paramGroups) g.lr = (g.initialLr / warmupIter) * currentIter;
  }
}

/** The lr of each group at (1-based) iteration i, as {@link updateLearningRate} sets it. */
export function lrForIteration(scheduler: LrScheduler, iteration: number, warmupIter = -1): number[] {
  if (iteration < warmupIter) return scheduler.baseLrs.map((b) => (b / warmupIter) * iteration);
  return scheduler.lrsAt(Math.max(0, iteration - 1));
}
