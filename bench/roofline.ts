/**
 * This machine's roofline, measured in the same bench run with the addon's micro-kernels
 * (native/: roofline(threads, kind, ms)): the fp32 FMA peak (register-blocked, independent
 * vector FMA chains) and the selective scan's bound (one exp of dt·A and two FMAs per state
 * update, vectorised), each on all threads and on one. A model case's `roofline_ms` is the
 * time its work would take at those rates, `efficiency` = roofline_ms / measured ms.
 */
import { kernels } from '../src/backend/index.js';
import { loadNativeAddon } from '../src/backend/native/addon.js';
import type { Work } from './work.js';

export interface Roofline {
  /** Threads of the "all threads" measurements: the native kernels' thread count. */
  threads: number;
  /** How long each micro-kernel ran, ms. */
  ms: number;
  /** fp32 FMA peak on `threads` threads and on 1, FLOP/s. */
  flops_per_s: number;
  flops_per_s_1t: number;
  /** Scan bound on `threads` threads and on 1, state updates/s. */
  updates_per_s: number;
  updates_per_s_1t: number;
}

const RUN_MS = 300;

/** Measures the roofline (about 4 × 300 ms), or says why it cannot. */
export function measureRoofline(): Roofline | string {
  const addon = loadNativeAddon();
  if (typeof addon === 'string') return `not measured: ${addon}`;
  if (typeof addon.roofline !== 'function') {
    return 'not measured: this addon predates roofline() (rebuild it with `node scripts/build-native.mjs`)';
  }
  const k = kernels();
  const threads = k.name === 'native' ? k.threads : Math.min(addon.maxThreads, addon.hardwareThreads);
  const run = (t: number, kind: 0 | 1) => addon.roofline!(t, kind, RUN_MS);
  const flops = run(threads, 0);
  const flops1 = threads === 1 ? flops : run(1, 0);
  const upd = run(threads, 1);
  const upd1 = threads === 1 ? upd : run(1, 1);
  return { threads, ms: RUN_MS, flops_per_s: flops, flops_per_s_1t: flops1, updates_per_s: upd, updates_per_s_1t: upd1 };
}

/** Lines printed at the top of the bench. */
export function describeRoofline(r: Roofline | string): string[] {
  if (typeof r === 'string') return [`roofline: ${r}; the roofline_ms and efficiency columns are left empty`];
  const t = (n: number) => `${n} thread${n > 1 ? 's' : ''}`;
  return [
    `fp32 FMA peak: ${(r.flops_per_s / 1e9).toFixed(0)} GFLOP/s on ${t(r.threads)}, ${(r.flops_per_s_1t / 1e9).toFixed(0)} on 1 (register-blocked FMA micro-kernel, ${r.ms} ms each)`,
    `scan bound: ${(r.updates_per_s / 1e9).toFixed(1)} G updates/s on ${t(r.threads)}, ${(r.updates_per_s_1t / 1e9).toFixed(1)} on 1 (one exp + two FMAs per state update, vectorised)`,
    `roofline_ms = FLOPs / FMA peak + scan updates / scan bound (${t(r.threads)}); efficiency = roofline_ms / ms; work counted by the kernel profiler over one run of the case`,
  ];
}

/** The roofline fields of a result row for `work` done in `ms` (nulls without a roofline). */
export function rooflineFields(work: Work, ms: number, r: Roofline | string | null | undefined): {
  flops: number; updates: number; roofline_ms: number | null; efficiency: number | null;
} {
  if (!r || typeof r === 'string') return { flops: work.flops, updates: work.updates, roofline_ms: null, efficiency: null };
  const rms = (1000 * work.flops) / r.flops_per_s + (1000 * work.updates) / r.updates_per_s;
  return { flops: work.flops, updates: work.updates, roofline_ms: rms, efficiency: ms > 0 ? rms / ms : null };
}

/** "target efficiency ≥ x: met (0.23)" for a note. */
export function efficiencyTarget(efficiency: number | null, target: number): string {
  if (efficiency === null) return `target efficiency ≥ ${target}: not measured (no roofline)`;
  return `target efficiency ≥ ${target}: ${efficiency >= target ? 'met' : 'NOT met'} (${efficiency.toFixed(2)})`;
}

/** "7.5 GFLOP + 1.24 G updates" for a note. */
export function describeWork(w: Work): string {
  return `work ${(w.flops / 1e9).toFixed(2)} GFLOP + ${(w.updates / 1e9).toFixed(3)} G scan updates`;
}
