/**
 * Benchmark entry: measures the machine's roofline (bench/roofline.ts), then runs every group in
 * `groups` (later groups append themselves there).
 *   node dist/bench/main.js [--json] [--no-torch] [--no-reference] [--only <substring>]
 * --no-reference skips the slow PyTorch reference model runs (model and train groups) but keeps
 * the engine group's PyTorch comparison.
 */
import '../src/backend/node.js';
import type { BenchGroup, BenchOptions, BenchResult } from './harness.js';
import { engineGroup } from './engine.js';
import { modelGroup } from './model.js';
import { trainGroup } from './train.js';
import { wasmGroup } from './wasm.js';
import { webgpuGroup } from './webgpu.js';
import { precisionGroup } from './precision.js';
import type { ModelBenchOptions } from './child.js';
import { describeRoofline, measureRoofline } from './roofline.js';

const groups: BenchGroup[] = [engineGroup, modelGroup, trainGroup, precisionGroup, wasmGroup, webgpuGroup];

function parseArgs(argv: string[]): BenchOptions {
  const opts: ModelBenchOptions = { torch: true, only: null, json: false, reference: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--no-torch') opts.torch = false;
    else if (a === '--no-reference') opts.reference = false;
    else if (a === '--only') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--only needs a substring');
      opts.only = v;
    } else if (a.startsWith('--only=')) opts.only = a.slice('--only='.length);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist/bench/main.js [--json] [--no-torch] [--no-reference] [--only <substring>]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function fmt(x: number | null, digits = 2): string {
  if (x === null || !Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

async function main(): Promise<void> {
  const opts: ModelBenchOptions = parseArgs(process.argv.slice(2));
  // the machine's peak first, in the same run as the cases it is the yardstick of
  const roof = measureRoofline();
  opts.roofline = roof;
  if (opts.json) console.log(JSON.stringify({ roofline: typeof roof === 'string' ? null : roof, ...(typeof roof === 'string' ? { reason: roof } : {}) }));
  else {
    console.log('== roofline ==');
    for (const line of describeRoofline(roof)) console.log(line);
  }
  for (const g of groups) {
    const roofCols = g.roofline === true;
    const vsNative = g.compare === 'native';
    if (!opts.json) {
      console.log(`== ${g.name} ==`);
      for (const line of g.describe(opts)) console.log(line);
      console.log(
        `${'benchmark'.padEnd(vsNative ? 58 : 44)} ${'ms'.padStart(9)} ${'throughput'.padStart(11)} ${'unit'.padEnd(9)}` +
          (vsNative ? ` ${'native ms'.padStart(9)} ${'vs_native'.padStart(9)}` : ` ${'torch ms'.padStart(9)} ${'ratio'.padStart(6)}`) +
          (roofCols ? ` ${'roofline ms'.padStart(11)} ${'efficiency'.padStart(10)}` : ''),
      );
    } else {
      console.log(JSON.stringify({ group: g.name, info: g.describe(opts) }));
    }
    const notes: string[] = [];
    await g.run(opts, (r: BenchResult) => {
      if (opts.json) {
        console.log(JSON.stringify(r));
        return;
      }
      console.log(
        `${r.name.padEnd(vsNative ? 58 : 44)} ${fmt(r.ms).padStart(9)} ${fmt(r.throughput).padStart(11)} ${r.unit.padEnd(9)}` +
          (vsNative ? ` ${fmt(r.native_ms ?? null).padStart(9)} ${fmt(r.vs_native ?? null, 3).padStart(9)}` : ` ${fmt(r.torch_ms).padStart(9)} ${fmt(r.ratio).padStart(6)}`) +
          (roofCols ? ` ${fmt(r.roofline_ms ?? null).padStart(11)} ${fmt(r.efficiency ?? null, 3).padStart(10)}` : '') +
          `${r.note ? ' *' : ''}`,
      );
      if (r.note) notes.push(`* ${r.name}: ${r.note}`);
    });
    if (!opts.json) {
      for (const n of notes) console.log(n);
      console.log(vsNative ? `vs_native = native ms / ${g.name} ms (1: as fast as native)` : 'ratio = our throughput / PyTorch throughput (> 1: faster than PyTorch)');
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
