/**
 * The model group: forwards (no grad) at batch 1 of the default DFT (dim 48, blocks [4,6,6,8])
 * and of the bundled denoiser (models/denoise, dim 16, blocks [1,1,1,1]), and the whole
 * `restoreImage` call with the bundled model on a 512×512 image. Each case runs in its own
 * child process so its peak RSS is its own; the child counts the case's work under the kernel
 * profiler (bench/work.ts) for the roofline columns. With PyTorch, the reference DFT
 * (bench/reference/diffmamba_ref.py, PyTorch-loop scan) is timed in the same run at 64² and 128².
 *   node dist/bench/main.js --only forward [--no-reference]
 *   node dist/bench/main.js --only bundled --no-torch
 */
import '../src/backend/node.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernels } from '../src/backend/index.js';
import { DFT } from '../src/model/index.js';
import { loadModel } from '../src/model/checkpoint.js';
import { Tensor, noGrad } from '../src/tensor/tensor.js';
import { bundledModelPath } from '../src/restore/bundled.js';
import { restoreImage } from '../src/restore/image.js';
import { RESTORE_DEFAULTS } from '../src/restore/restorer.js';
import { NoiseSchedule } from '../src/diffusion/schedule.js';
import { ddimTimesteps } from '../src/diffusion/timesteps.js';
import type { FloatImage } from '../src/io/image.js';
import type { BenchGroup, BenchOptions, BenchResult } from './harness.js';
import { isMain, mb, referenceSkipped, runChild, runTorchCase, type CaseTiming, type ModelBenchOptions } from './child.js';
import { addWork, countWork, type Work } from './work.js';
import { describeWork, efficiencyTarget, rooflineFields } from './roofline.js';

type ModelKind = 'default' | 'bundled';

export interface ForwardSpec {
  kind: 'forward';
  model: ModelKind;
  size: number;
  runs: number;
  /** Untimed runs first (≥ 1: the first one is the profiled run that counts the work). */
  warmup: number;
}

interface RestoreSpec {
  kind: 'restore';
  size: number;
  /** Timed forwards per tile shape for calls_ms. */
  forwardRuns: number;
}

type ChildSpec = ForwardSpec | RestoreSpec;

interface RestoreTiming extends CaseTiming {
  /** Σ over the tile shapes the restore ran of (its network calls × the median forward time of that shape). */
  calls_ms: number;
  calls: number;
  shapes: { h: number; w: number; calls: number; forward_ms: number }[];
  /** Tiles the restore ran (calls / network calls per tile). */
  tiles: number;
  /** Pixels the network ran over per image pixel (> 1: tile overlap recomputed). */
  coverage: number;
}

interface ForwardCase extends ForwardSpec {
  reference: boolean;
  refRuns: number;
  /** Efficiency target to print (issue 16). */
  efficiency?: number;
  /** Also time it on one thread (DIFF_MAMBA_THREADS=1) and report threads_speedup. */
  threadsSpeedup?: boolean;
}

const CASES: ForwardCase[] = [
  { kind: 'forward', model: 'default', size: 64, runs: 5, warmup: 1, reference: true, refRuns: 2 },
  { kind: 'forward', model: 'default', size: 128, runs: 3, warmup: 1, reference: true, refRuns: 1 },
  { kind: 'forward', model: 'default', size: 256, runs: 1, warmup: 1, reference: false, refRuns: 0, efficiency: 0.5 },
  { kind: 'forward', model: 'bundled', size: 256, runs: 5, warmup: 1, reference: false, refRuns: 0, efficiency: 0.4, threadsSpeedup: true },
  { kind: 'forward', model: 'bundled', size: 512, runs: 3, warmup: 1, reference: false, refRuns: 0, efficiency: 0.4 },
];

const RESTORE: RestoreSpec = { kind: 'restore', size: 512, forwardRuns: 3 };
const THREADS_SPEEDUP_TARGET = 1.8;
const RESTORE_TARGET = 1.3;

function deterministic(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = Math.sin(i * 0.37 + seed);
  return out;
}

function buildModel(kind: ModelKind): DFT {
  return kind === 'default' ? new DFT({}, { seed: 0 }) : loadModel(bundledModelPath('denoise')).model;
}

function median(times: number[]): number {
  const s = [...times].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One profiled forward (its work), `extraWarmup` untimed ones, then the median of `runs` timed ones. */
function timeForward(net: DFT, x: Tensor, t: Float32Array, extraWarmup: number, runs: number): { ms: number; work: Work } {
  const { work } = countWork(() => noGrad(() => net.forward(x, t)));
  for (let i = 0; i < extraWarmup; i++) noGrad(() => net.forward(x, t));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    noGrad(() => net.forward(x, t));
    times.push(performance.now() - t0);
  }
  return { ms: median(times), work };
}

/** The forward child: build the model, count one forward's work, time `runs` forwards, print {ms, rss_kb, flops, updates}. */
function forwardChild(spec: ForwardSpec): void {
  const net = buildModel(spec.model);
  const s = spec.size;
  const x = new Tensor(deterministic(net.config.inp_channels * s * s, 1), [1, net.config.inp_channels, s, s]);
  const { ms, work } = timeForward(net, x, Float32Array.of(500), Math.max(0, spec.warmup - 1), spec.runs);
  console.log(JSON.stringify({ ms, rss_kb: process.resourceUsage().maxRSS, flops: work.flops, updates: work.updates } satisfies CaseTiming));
}

/**
 * The restore child: the whole restoreImage call with its default options on a size × size
 * RGB image (after one warm-up forward at the default tile), recording the shape of every
 * network call it makes; then each of those shapes' forward timed and profiled on its own.
 */
async function restoreChild(spec: RestoreSpec): Promise<void> {
  const net = buildModel('bundled');
  const s = spec.size;
  const n = s * s;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < 3 * n; i++) data[i] = 0.5 + 0.4 * Math.sin(i * 0.011) * Math.cos(i * 0.0007);
  const img: FloatImage = { data, width: s, height: s, channels: 3, alpha: null, bitDepth: 8 };
  const tile = Math.min(RESTORE_DEFAULTS.tile, s);
  const warm = new Tensor(deterministic(6 * tile * tile, 1), [1, 6, tile, tile]);
  noGrad(() => net.forward(warm, Float32Array.of(500)));
  const seen = new Map<string, { h: number; w: number; calls: number }>();
  const forward = net.forward.bind(net);
  net.forward = (inp: Tensor, t: Float32Array | number[]) => {
    const [, , h, w] = inp.shape;
    const key = `${h}x${w}`;
    const e = seen.get(key) ?? { h, w, calls: 0 };
    e.calls++;
    seen.set(key, e);
    return forward(inp, t);
  };
  const t0 = performance.now();
  await restoreImage(net, img);
  const ms = performance.now() - t0;
  net.forward = forward;
  let work: Work = { flops: 0, updates: 0 };
  let callsMs = 0;
  let calls = 0;
  const shapes: RestoreTiming['shapes'] = [];
  for (const e of seen.values()) {
    const x = new Tensor(deterministic(6 * e.h * e.w, 2), [1, 6, e.h, e.w]);
    const f = timeForward(net, x, Float32Array.of(500), 0, spec.forwardRuns);
    work = addWork(work, f.work, e.calls);
    callsMs += e.calls * f.ms;
    calls += e.calls;
    shapes.push({ ...e, forward_ms: f.ms });
  }
  // each tile takes the same number of network calls: DDIM's steps + 1
  const perTile = ddimTimesteps(new NoiseSchedule().numTimesteps, RESTORE_DEFAULTS.steps).seq.length;
  const pixels = shapes.reduce((a, e) => a + e.calls * e.h * e.w, 0) / perTile;
  const out: RestoreTiming = {
    ms, rss_kb: process.resourceUsage().maxRSS, flops: work.flops, updates: work.updates, calls_ms: callsMs, calls, shapes,
    tiles: calls / perTile, coverage: pixels / n,
  };
  console.log(JSON.stringify(out));
}

const forwardName = (c: ForwardSpec) => `forward ${c.size}x${c.size} (${c.model} model, batch 1)`;
const restoreName = (c: RestoreSpec) => `restore ${c.size}x${c.size} (bundled model)`;

export const modelGroup: BenchGroup = {
  name: 'model',
  roofline: true,
  describe(opts: BenchOptions) {
    const k = kernels();
    const ref = referenceSkipped(opts as ModelBenchOptions);
    const d = RESTORE_DEFAULTS;
    return [
      `backend: ${k.name}, threads: ${k.threads}; no grad, input 1×6×S×S; default DFT (dim 48, blocks [4,6,6,8], 36.6M parameters) and the bundled denoiser (models/denoise: dim 16, blocks [1,1,1,1])`,
      `restore: the whole restoreImage call with its defaults (tile ${d.tile}, overlap ${d.overlap}, ${d.steps} steps) on a 512×512 RGB image, one run; calls_ms = its network calls × the median forward time of each tile shape it used`,
      `PyTorch reference (diffmamba_ref.DFT, PyTorch-loop scan, same thread count): ${ref ?? 'timed in the same run at 64² and 128² (128² takes minutes; --no-reference skips it)'}`,
      'peak RSS: each case runs in its own process (process.resourceUsage().maxRSS / ru_maxrss), model construction included',
      `targets: ≥ 20× faster than the reference at 64² and 128²; peak ≤ 2 GB at 256²; efficiency ≥ 0.5 (default, 256²), ≥ 0.4 (bundled, 256² and 512²); bundled 256² threads_speedup ≥ ${THREADS_SPEEDUP_TARGET}; restore ≤ ${RESTORE_TARGET}× calls_ms`,
    ];
  },
  async run(opts: BenchOptions, report: (r: BenchResult) => void) {
    const k = kernels();
    const mopts = opts as ModelBenchOptions;
    const script = fileURLToPath(import.meta.url);
    const refSkip = referenceSkipped(mopts);
    const bundledMissing = existsSync(bundledModelPath('denoise')) ? null : `the bundled model ${bundledModelPath('denoise')} is missing`;
    for (const c of CASES) {
      const label = forwardName(c);
      if (opts.only !== null && !label.includes(opts.only)) continue;
      if (c.model === 'bundled' && bundledMissing) {
        process.stderr.write(`bench: ${label}: skipped, ${bundledMissing}\n`);
        continue;
      }
      const spec: ForwardSpec = { kind: 'forward', model: c.model, size: c.size, runs: c.runs, warmup: c.warmup };
      const ours = runChild(script, spec);
      if (typeof ours === 'string') {
        process.stderr.write(`bench: ${label}: ${ours}\n`);
        continue;
      }
      let ref: CaseTiming | string | null = null;
      if (c.reference && refSkip === null) {
        if (!opts.json) process.stderr.write(`bench: timing the PyTorch reference forward at ${c.size}²…\n`);
        ref = runTorchCase({ mode: 'forward', dim: 48, blocks: [4, 6, 6, 8], batch: 1, size: c.size, threads: k.threads, runs: c.refRuns, warmup: c.size <= 64 ? 1 : 0 });
        if (typeof ref === 'string') process.stderr.write(`bench: ${label}: ${ref}\n`);
      }
      const r = ref !== null && typeof ref !== 'string' ? ref : null;
      const work: Work = { flops: ours.flops ?? 0, updates: ours.updates ?? 0 };
      const roof = rooflineFields(work, ours.ms, mopts.roofline);
      const notes = [`peak RSS ${mb(ours.rss_kb)}`, `median of ${c.runs} run(s)`, describeWork(work)];
      if (r) notes.push(`reference peak RSS ${mb(r.rss_kb)}, median of ${c.refRuns} reference run(s)`);
      else if (c.model === 'default' && !c.reference) notes.push('reference not timed at this size');
      else if (c.reference && refSkip) notes.push(`reference ${refSkip}`);
      if (c.model === 'default' && c.size === 256) notes.push(`target peak ≤ 2 GB: ${ours.rss_kb <= 2 * 1024 * 1024 ? 'met' : 'NOT met'}`);
      else if (r) notes.push(`target ≥ 20×: ${r.ms / ours.ms >= 20 ? 'met' : 'NOT met'}`);
      if (c.efficiency !== undefined) notes.push(efficiencyTarget(roof.efficiency, c.efficiency));
      let speedup: { threads_speedup: number | null; ms_1_thread: number | null } | object = {};
      if (c.threadsSpeedup) {
        if (k.threads <= 1) {
          notes.push('threads_speedup not measured (the kernels run on 1 thread)');
          speedup = { threads_speedup: null, ms_1_thread: null };
        } else {
          const one = runChild(script, { ...spec, runs: 3 }, { DIFF_MAMBA_THREADS: '1' });
          if (typeof one === 'string') {
            process.stderr.write(`bench: ${label} on 1 thread: ${one}\n`);
            notes.push('threads_speedup: the 1-thread run failed');
            speedup = { threads_speedup: null, ms_1_thread: null };
          } else {
            const sp = one.ms / ours.ms;
            notes.push(`threads_speedup ${sp.toFixed(2)} (1 thread: ${one.ms.toFixed(0)} ms, median of 3; ${k.threads} threads: ${ours.ms.toFixed(0)} ms); target ≥ ${THREADS_SPEEDUP_TARGET}: ${sp >= THREADS_SPEEDUP_TARGET ? 'met' : 'NOT met'}`);
            speedup = { threads_speedup: sp, ms_1_thread: one.ms };
          }
        }
      }
      report({
        name: label,
        ms: ours.ms,
        throughput: 1000 / ours.ms,
        unit: 'img/s',
        torch_ms: r ? r.ms : null,
        ratio: r ? r.ms / ours.ms : null,
        note: notes.join('; '),
        ...roof,
        ...({ peak_rss_kb: ours.rss_kb, torch_peak_rss_kb: r ? r.rss_kb : null, ...speedup } as object),
      });
    }
    const label = restoreName(RESTORE);
    if (opts.only === null || label.includes(opts.only)) {
      if (bundledMissing) process.stderr.write(`bench: ${label}: skipped, ${bundledMissing}\n`);
      else {
        const ours = runChild<RestoreTiming>(script, RESTORE);
        if (typeof ours === 'string') process.stderr.write(`bench: ${label}: ${ours}\n`);
        else {
          const work: Work = { flops: ours.flops ?? 0, updates: ours.updates ?? 0 };
          const roof = rooflineFields(work, ours.ms, mopts.roofline);
          const over = ours.ms / ours.calls_ms;
          const shapes = ours.shapes.map((s) => `${s.calls} × ${s.h}x${s.w} at ${s.forward_ms.toFixed(0)} ms`).join(', ');
          const notes = [
            `calls_ms ${ours.calls_ms.toFixed(0)} (${shapes}; median of ${RESTORE.forwardRuns} forwards per shape)`,
            `restore / calls ${over.toFixed(2)}; target ≤ ${RESTORE_TARGET}: ${over <= RESTORE_TARGET ? 'met' : 'NOT met'}`,
            `${ours.tiles} tiles cover ${ours.coverage.toFixed(2)}× the image's pixels (overlap recomputed; the work counts every tile)`,
            `peak RSS ${mb(ours.rss_kb)}`,
            'one run',
            describeWork(work),
          ];
          report({
            name: label,
            ms: ours.ms,
            throughput: 1000 / ours.ms,
            unit: 'img/s',
            torch_ms: null,
            ratio: null,
            note: notes.join('; '),
            ...roof,
            ...({ calls_ms: ours.calls_ms, calls: ours.calls, restore_over_calls: over, tile_shapes: ours.shapes, tiles: ours.tiles, tile_coverage: ours.coverage, peak_rss_kb: ours.rss_kb } as object),
          });
        }
      }
    }
  },
};

if (isMain(import.meta.url) && process.argv[2] === '--child') {
  const spec = JSON.parse(process.argv[3]) as ChildSpec;
  if (spec.kind === 'restore') await restoreChild(spec);
  else forwardChild(spec);
}
