// Times the bundled denoiser's forward at 256² on the wasm kernels in headless Chromium (in a
// worker of the restoration page's origin) and, in the same run, in Node on the wasm and the
// native backend, all on one thread; prints the three and the ratios.
// Usage: node scripts/bench-browser.mjs [--runs N]     (needs Debian's chromium and npm run build)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.DIFF_MAMBA_CHROMIUM ?? '/usr/bin/chromium';
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 3;
if (!existsSync(CHROMIUM)) {
  console.error(`bench-browser: no chromium at ${CHROMIUM} (apt-get install chromium)`);
  process.exit(1);
}

/** The timing program, the same text in the browser worker and in Node: median ms of RUNS forwards. */
const timing = (lib, modelBytes, runs) => `
  const s = 256, d = new Float32Array(6 * s * s);
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(i * 0.37 + 1);
  const { model } = lib.loadModelFromBytes(${modelBytes});
  const x = new lib.Tensor(d, [1, 6, s, s]);
  lib.noGrad(() => model.forward(x, Float32Array.of(500)));
  const times = [];
  for (let i = 0; i < ${runs}; i++) {
    const t0 = performance.now();
    lib.noGrad(() => model.forward(x, Float32Array.of(500)));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];`;

async function nodeMs(backend, threads) {
  process.env.DIFF_MAMBA_THREADS = String(threads);
  const lib = await import(join(root, 'dist', 'src', 'index.js'));
  const { readFileSync } = await import('node:fs');
  if (backend === 'wasm') {
    const { loadWasmKernelsFromFile } = await import(join(root, 'dist', 'src', 'backend', 'wasm', 'node.js'));
    const k = loadWasmKernelsFromFile(undefined, threads);
    if (typeof k === 'string') throw new Error(k);
    await k.ready;
    lib.registerBackend('wasm', () => k);
  } else {
    const { loadNativeKernels } = await import(join(root, 'dist', 'src', 'backend', 'native', 'index.js'));
    const k = loadNativeKernels(threads);
    if (typeof k === 'string') throw new Error(k);
    lib.registerBackend('native', () => k);
  }
  lib.useBackend(backend);
  const bytes = new Uint8Array(readFileSync(join(root, 'models', 'denoise', 'denoise.safetensors')));
  return new Function('lib', 'bytes', timing('lib', 'bytes', RUNS))(lib, bytes);
}

async function browserMs(threads) {
  const server = spawn(process.execPath, [join(root, 'scripts', 'web.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (b) => {
      out += b;
      const m = /at (http:\/\/[\d.:]+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', () => reject(new Error(`the web server exited: ${out}`)));
  });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    /* global Worker, Blob -- page.evaluate's function runs in the page */
    return await page.evaluate(async ([body, threads]) => {
      const src = `
        const lib = await import(new URL('/lib/diff-mamba.js', self.location.origin).href);
        const k = await lib.useWasmKernels(new URL('/kernels.wasm', self.location.origin),
          { threads: ${threads}, threadsSource: new URL('/kernels-threads.wasm', self.location.origin) });
        if (k.threads !== ${threads}) throw new Error('the page runs the wasm kernels on ' + k.threads + ' of ${threads} threads (crossOriginIsolated: ' + self.crossOriginIsolated + ')');
        const bytes = new Uint8Array(await (await fetch(new URL('/models/denoise/denoise.safetensors', self.location.origin))).arrayBuffer());
        self.postMessage(await (async () => { ${body} })());`;
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
      return new Promise((resolve, reject) => {
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => reject(new Error(e.message));
      });
    }, [timing('lib', 'bytes', RUNS), threads]);
  } finally {
    await browser.close();
    server.kill();
  }
}

const { availableParallelism } = await import('node:os');
const counts = availableParallelism() > 1 ? [1, availableParallelism()] : [1];
for (const threads of counts) {
  const chrome = await browserMs(threads);
  const wasm = await nodeMs('wasm', threads);
  const native = await nodeMs('native', threads);
  const t = `${threads} thread${threads === 1 ? '' : 's'}`;
  console.log(`forward 256x256 (bundled model, ${t}), median of ${RUNS}:`);
  console.log(`  headless chromium, wasm: ${chrome.toFixed(0)} ms`);
  console.log(`  node, wasm:              ${wasm.toFixed(0)} ms   (chromium / node wasm = ${(chrome / wasm).toFixed(2)})`);
  console.log(`  node, native:            ${native.toFixed(0)} ms   (chromium / native = ${(chrome / native).toFixed(2)}; target ≤ 4)`);
}
