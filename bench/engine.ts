/**
 * The engine group: the kernel shapes the model meets, timed on the active backend and, when
 * Debian's PyTorch is installed, the same work in PyTorch (bench/torch_engine.py) in the same run.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernels } from '../src/backend/index.js';
import { loadNativeAddon } from '../src/backend/native/index.js';
import type { Conv2dArgs, Kernels, ScanArgs, ScanInputs } from '../src/backend/kernels.js';
import { timeMedian, type BenchGroup, type BenchOptions, type BenchResult } from './harness.js';
import { Rng } from '../src/tensor/random.js';
import { PYTHON, referenceDir, torchAvailable } from './child.js';

/** The repository root, from dist/bench/. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The chunk the tensor op passes to the scan (src/tensor/ops/scan.ts SCAN_CHUNK). */
const SCAN_CHUNK = 64;

/** Deterministic uniform numbers in [lo, hi). */
function uniform(len: number, seed: number, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(len), lo, hi);
}

export interface Case {
  name: string;
  unit: string;
  /** Work units per call (FLOPs, elements, state updates), reported per second in `unit` (×1e9). */
  work: number;
  /** Returns the call to time (inputs prepared outside it). */
  prepare(k: Kernels): () => unknown;
  /** What bench/torch_engine.py should time for the same work. */
  torch: Record<string, unknown>;
}

function conv(n: number, c: number, h: number, w: number, o: number, kk: number, pad: number, groups: number): Conv2dArgs {
  return { n, c, h, w, o, kh: kk, kw: kk, padH: pad, padW: pad, groups, oh: h + 2 * pad - kk + 1, ow: w + 2 * pad - kk + 1 };
}

function convFlops(a: Conv2dArgs): number {
  return 2 * a.n * a.o * (a.c / a.groups) * a.kh * a.kw * a.oh * a.ow;
}

function convCases(label: string, a: Conv2dArgs, withBackward: boolean): Case[] {
  const spec = { n: a.n, c: a.c, h: a.h, w: a.w, o: a.o, k: a.kh, pad: a.padH, groups: a.groups };
  const x = () => uniform(a.n * a.c * a.h * a.w, 1);
  const wt = () => uniform(a.o * (a.c / a.groups) * a.kh * a.kw, 2);
  const gy = () => uniform(a.n * a.o * a.oh * a.ow, 3);
  const out: Case[] = [
    {
      name: label,
      unit: 'GFLOP/s',
      work: convFlops(a),
      prepare: (k) => {
        const xs = x(), ws = wt(), b = uniform(a.o, 4);
        return () => k.conv2d(xs, ws, b, a);
      },
      torch: { kind: 'conv2d', ...spec },
    },
  ];
  if (withBackward) {
    out.push(
      {
        name: `${label} bwd input`,
        unit: 'GFLOP/s',
        work: convFlops(a),
        prepare: (k) => {
          const g = gy(), ws = wt();
          return () => k.conv2dBackwardInput(g, ws, a);
        },
        torch: { kind: 'conv2d_input', ...spec },
      },
      {
        name: `${label} bwd weight`,
        unit: 'GFLOP/s',
        work: convFlops(a),
        prepare: (k) => {
          const g = gy(), xs = x();
          return () => k.conv2dBackwardWeight(g, xs, a);
        },
        torch: { kind: 'conv2d_weight', ...spec },
      },
    );
  }
  return out;
}

function scanSetup(a: ScanArgs): ScanInputs {
  const ch = a.groups * a.d;
  const A = new Float32Array(ch * a.n);
  for (let c = 0; c < ch; c++) for (let s = 0; s < a.n; s++) A[c * a.n + s] = -(s + 1); // A = −exp(A_logs), A_logs = log(1..N)
  return {
    u: uniform(a.b * ch * a.L, 11),
    delta: uniform(a.b * ch * a.L, 12, -3, 1),
    A,
    B: uniform(a.b * a.groups * a.n * a.L, 13),
    C: uniform(a.b * a.groups * a.n * a.L, 14),
    D: uniform(ch, 15),
    deltaBias: uniform(ch, 16, -4, -2),
  };
}

/** The kernel cases, at the shapes the model meets (shared with the wasm group). */
export function engineCases(): Case[] {
  const hw = 128 * 128;
  const scan: ScanArgs = { b: 1, groups: 4, d: 96, n: 32, L: hw, chunk: SCAN_CHUNK };
  const scanUpdates = scan.b * scan.groups * scan.d * scan.n * scan.L;
  const scanTorch = { b: 1, K: 4, d: 96, n: 32, L: hw };
  const norm = { n: 1, c: 96, hw, eps: 1e-5, subtractMean: true };
  return [
    ...convCases('conv3x3 1x48x128x128 -> 48', conv(1, 48, 128, 128, 48, 3, 1, 1), true),
    ...convCases('conv1x1 48 -> 254 @128^2', conv(1, 48, 128, 128, 254, 1, 0, 1), true),
    ...convCases('depthwise3x3 254ch @128^2', conv(1, 254, 128, 128, 254, 3, 1, 254), true),
    {
      name: 'linear 16384x48 -> 192',
      unit: 'GFLOP/s',
      work: 2 * hw * 48 * 192,
      prepare: (k) => {
        const x = uniform(hw * 48, 5), w = uniform(192 * 48, 6);
        const args = { batch: 1, m: hw, k: 48, n: 192, transA: false, transB: true, strideA: 0, strideB: 0 };
        return () => k.matmul(x, w, args);
      },
      torch: { kind: 'linear', m: hw, k: 48, n: 192 },
    },
    {
      name: 'layernorm 96ch @128^2',
      unit: 'Gelem/s',
      work: 96 * hw,
      prepare: (k) => {
        const x = uniform(96 * hw, 7), w = uniform(96, 8), b = uniform(96, 9);
        return () => k.channelNorm(x, w, b, norm);
      },
      torch: { kind: 'layernorm', c: 96, h: 128, w: 128 },
    },
    {
      name: 'layernorm 96ch @128^2 bwd',
      unit: 'Gelem/s',
      work: 96 * hw,
      prepare: (k) => {
        const x = uniform(96 * hw, 7), w = uniform(96, 8), gy = uniform(96 * hw, 10);
        const f = k.channelNorm(x, w, null, norm);
        return () => k.channelNormBackward(gy, x, w, f.mean, f.rstd, norm);
      },
      torch: { kind: 'layernorm_bwd', c: 96, h: 128, w: 128 },
    },
    {
      name: 'scan fwd b1 K4 d96 N32 L16384',
      unit: 'Gupd/s',
      work: scanUpdates,
      prepare: (k) => {
        const inp = scanSetup(scan);
        return () => k.scan(inp, scan);
      },
      torch: { kind: 'scan', ...scanTorch },
    },
    {
      name: 'scan bwd b1 K4 d96 N32 L16384',
      unit: 'Gupd/s',
      work: scanUpdates,
      prepare: (k) => {
        const inp = scanSetup(scan);
        const { y, states } = k.scan(inp, scan);
        const gy = uniform(y.length, 17);
        return () => k.scanBackward(inp, states, gy, scan);
      },
      torch: { kind: 'scan_bwd', ...scanTorch, L_measured: 2048 },
    },
  ];
}

function nativeIsa(): string | null {
  const a = loadNativeAddon();
  return typeof a === 'string' ? null : a.isa();
}

interface TorchTiming {
  ms: number;
  note?: string;
}

/** Times the given cases in one python process; returns name → timing (absent on failure). */
function runTorch(list: Case[], threads: number): Map<string, TorchTiming> {
  const script = join(repoRoot, 'bench', 'torch_engine.py');
  const payload = JSON.stringify({
    threads,
    reference: referenceDir(),
    cases: list.map((c) => ({ name: c.name, ...c.torch })),
  });
  const r = spawnSync(PYTHON, [script], { input: payload, encoding: 'utf8', maxBuffer: 1 << 24 });
  const out = new Map<string, TorchTiming>();
  if (r.status !== 0) {
    process.stderr.write(`bench: PyTorch run failed (${r.status}): ${r.stderr.slice(-2000)}\n`);
    return out;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  const parsed = JSON.parse(line) as Record<string, TorchTiming>;
  for (const [k, v] of Object.entries(parsed)) out.set(k, v);
  return out;
}

function torchState(opts: BenchOptions, threads: number): string {
  if (!opts.torch) return 'skipped (--no-torch)';
  const avail = torchAvailable();
  if (avail !== true) return `skipped: ${avail}`;
  return `compared in the same run, torch.set_num_threads(${threads}) (or 1 thread where faster, see notes)`;
}

export const engineGroup: BenchGroup = {
  name: 'engine',
  describe(opts: BenchOptions) {
    const k = kernels();
    const isa = k.name === 'native' ? nativeIsa() : null;
    return [
      `backend: ${k.name}${isa ? ` (${isa})` : ''}, threads: ${k.threads}` +
        (k.name === 'native' ? ' (DIFF_MAMBA_THREADS to change; DIFF_MAMBA_BACKEND=js for the TypeScript kernels)' : ''),
      `PyTorch: ${torchState(opts, k.threads)}`,
    ];
  },
  async run(opts: BenchOptions, report: (r: BenchResult) => void) {
    const k = kernels();
    const list = engineCases().filter((c) => opts.only === null || c.name.includes(opts.only));
    const ours = new Map<string, number>();
    for (const c of list) {
      const fn = c.prepare(k);
      const slow = c.name.startsWith('scan') && k.name === 'js';
      ours.set(c.name, timeMedian(fn, slow ? 0 : 2, slow ? 1 : 5, slow ? 0 : 1500));
    }
    let torch = new Map<string, TorchTiming>();
    if (opts.torch && list.length > 0 && torchAvailable() === true) {
      if (!opts.json) process.stderr.write('bench: timing the same shapes in PyTorch (the scan takes a minute)…\n');
      torch = runTorch(list, k.threads);
    }
    for (const c of list) {
      const ms = ours.get(c.name)!;
      const throughput = c.work / (ms * 1e-3) / 1e9;
      const t = torch.get(c.name);
      report({
        name: c.name,
        ms,
        throughput,
        unit: c.unit,
        torch_ms: t ? t.ms : null,
        ratio: t ? t.ms / ms : null,
        ...(t?.note ? { note: t.note } : {}),
      });
    }
  },
};
