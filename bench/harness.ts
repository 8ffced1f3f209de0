/** Shared pieces of the benchmark groups: options, results, timing. */

export interface BenchOptions {
  /** Compare with PyTorch (when /usr/bin/python3 can import torch). */
  torch: boolean;
  /** Only measurements whose name contains this substring. */
  only: string | null;
  /** Print one JSON object per measurement instead of a table. */
  json: boolean;
}

export interface BenchResult {
  name: string;
  /** Median wall time of one call, milliseconds. */
  ms: number;
  throughput: number;
  unit: string;
  /** PyTorch's median time for the same work, when measured. */
  torch_ms: number | null;
  /** Our throughput / PyTorch's (> 1: we are faster). */
  ratio: number | null;
  /** How the PyTorch number was obtained, when it is not a plain measurement. */
  note?: string;
  /** Model cases: the time the case's work takes at the machine's roofline (bench/roofline.ts), ms. */
  roofline_ms?: number | null;
  /** Model cases: roofline_ms / ms. */
  efficiency?: number | null;
  /** wasm rows: the native addon's time for the same work at the same thread count, ms. */
  native_ms?: number;
  /** wasm rows: native_ms / ms (1: as fast as native). */
  vs_native?: number;
}

export interface BenchGroup {
  name: string;
  /** Whether its rows carry roofline_ms and efficiency (printed as two more columns). */
  roofline?: boolean;
  /** What its rows compare with: PyTorch (torch ms, ratio; the default) or the native addon (native ms, vs_native). */
  compare?: 'torch' | 'native';
  /** Lines describing the setup (backend, threads…), printed before the results. */
  describe(opts: BenchOptions): string[];
  run(opts: BenchOptions, report: (r: BenchResult) => void): Promise<void>;
}

/** Median milliseconds of fn after warm-up: at least `minRuns` runs and about `budgetMs` of timing. */
export function timeMedian(fn: () => unknown, warmup = 2, minRuns = 5, budgetMs = 1500): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < budgetMs && times.length < 50)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}
