/**
 * The model group: forward (no grad) of the default DFT (dim 48, blocks [4,6,6,8]) at
 * 1×6×S×S, each size in its own child process so its peak RSS is its own; with PyTorch, the
 * reference DFT (bench/reference/diffmamba_ref.py, PyTorch-loop scan) in the same run.
 *   node dist/bench/main.js --only forward [--no-reference]
 */
import { kernels } from '../src/backend/index.js';
import { DFT } from '../src/model/index.js';
import { Tensor, noGrad } from '../src/tensor/tensor.js';
import type { BenchGroup, BenchOptions, BenchResult } from './harness.js';
import { isMain, mb, referenceSkipped, runChild, runTorchCase, type CaseTiming, type ModelBenchOptions } from './child.js';
import { fileURLToPath } from 'node:url';

interface ForwardSpec {
  size: number;
  runs: number;
  warmup: number;
}

const SIZES: (ForwardSpec & { reference: boolean; refRuns: number })[] = [
  { size: 64, runs: 5, warmup: 1, reference: true, refRuns: 2 },
  { size: 128, runs: 3, warmup: 1, reference: true, refRuns: 1 },
  { size: 256, runs: 1, warmup: 1, reference: false, refRuns: 0 },
];

function deterministic(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = Math.sin(i * 0.37 + seed);
  return out;
}

/** The child: build the default model, time `runs` forwards after `warmup`, print {ms, rss_kb}. */
function child(spec: ForwardSpec): void {
  const net = new DFT({}, { seed: 0 });
  const s = spec.size;
  const x = new Tensor(deterministic(6 * s * s, 1), [1, 6, s, s]);
  const t = Float32Array.of(500);
  for (let i = 0; i < spec.warmup; i++) noGrad(() => net.forward(x, t));
  const times: number[] = [];
  for (let i = 0; i < spec.runs; i++) {
    const t0 = performance.now();
    noGrad(() => net.forward(x, t));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1];
  console.log(JSON.stringify({ ms, rss_kb: process.resourceUsage().maxRSS } satisfies CaseTiming));
}

const name = (s: number) => `forward ${s}x${s} (default model, batch 1)`;

export const modelGroup: BenchGroup = {
  name: 'model',
  describe(opts: BenchOptions) {
    const k = kernels();
    const ref = referenceSkipped(opts as ModelBenchOptions);
    return [
      `backend: ${k.name}, threads: ${k.threads}; default DFT (dim 48, blocks [4,6,6,8], 36.6M parameters), no grad, input 1×6×S×S`,
      `PyTorch reference (diffmamba_ref.DFT, PyTorch-loop scan, same thread count): ${ref ?? 'timed in the same run at 64² and 128² (128² takes minutes; --no-reference skips it)'}`,
      'peak RSS: each size runs in its own process (process.resourceUsage().maxRSS / ru_maxrss), model construction included',
      'targets: ≥ 20× faster than the reference at 64² and 128²; peak ≤ 2 GB at 256²',
    ];
  },
  async run(opts: BenchOptions, report: (r: BenchResult) => void) {
    const k = kernels();
    const script = fileURLToPath(import.meta.url);
    const refSkip = referenceSkipped(opts as ModelBenchOptions);
    for (const c of SIZES) {
      const label = name(c.size);
      if (opts.only !== null && !label.includes(opts.only)) continue;
      const ours = runChild(script, { size: c.size, runs: c.runs, warmup: c.warmup });
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
      const notes = [`peak RSS ${mb(ours.rss_kb)}`];
      if (r) notes.push(`reference peak RSS ${mb(r.rss_kb)}, median of ${c.refRuns} reference run(s)`);
      else if (!c.reference) notes.push('reference not timed at this size');
      else if (refSkip) notes.push(`reference ${refSkip}`);
      if (c.size === 256) notes.push(`target peak ≤ 2 GB: ${ours.rss_kb <= 2 * 1024 * 1024 ? 'met' : 'NOT met'}`);
      else if (r) notes.push(`target ≥ 20×: ${r.ms / ours.ms >= 20 ? 'met' : 'NOT met'}`);
      report({
        name: label,
        ms: ours.ms,
        throughput: 1000 / ours.ms,
        unit: 'img/s',
        torch_ms: r ? r.ms : null,
        ratio: r ? r.ms / ours.ms : null,
        note: notes.join('; '),
        ...({ peak_rss_kb: ours.rss_kb, torch_peak_rss_kb: r ? r.rss_kb : null } as object),
      });
    }
  },
};

if (isMain(import.meta.url) && process.argv[2] === '--child') child(JSON.parse(process.argv[3]) as ForwardSpec);
