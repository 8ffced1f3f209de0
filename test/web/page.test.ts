// The restoration page in a real browser: Debian's chromium, headless, driven by playwright-core
// (no browser download). It restores the example in the page (wasm, in a worker) and the result
// must equal the Node wasm backend's on the same pixels; cancel must stop a restoration. On
// WebGPU (chromium's SwiftShader adapter), it restores a crop and must agree with Node's webgpu
// backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '../helpers/shared.js';
import { useBackend, kernels, backendKernels, type BackendName } from '../../src/backend/index.js';
import { loadModel } from '../../src/model/checkpoint.js';
import { bundledModelPath } from '../../src/restore/bundled.js';
import { restorePlanar } from '../../src/restore/restorer.js';
import { makePlanar } from '../../src/io/planar.js';
import { fromHWC, toUint8HWC } from '../../src/io/pixels.js';
import { psnr } from '../../src/metrics/index.js';

const CHROMIUM = process.env.DIFF_MAMBA_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`;

interface PageResult { width: number; height: number; rgb: number[]; data: number[]; ms: number; backend: string; calls: number; total: number }

async function rgbOf(path: string) {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
}

/** Starts `node scripts/web.mjs --port 0` and resolves with its address once it listens. */
function startServer(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(repoRoot(), 'scripts', 'web.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /serving the restoration page at (http:\/\/[\d.:]+\/)/.exec(out);
      if (m) resolve({ url: m[1], proc });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    proc.on('exit', (code) => reject(new Error(`web server exited (${code}): ${out}`)));
  });
}

/** Clicks Restore and waits for the page's result; the page must not fail or throw. */
async function restoreInPage(page: import('playwright-core').Page, errors: string[]): Promise<PageResult> {
  await page.click('#restore');
  await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { diffMambaPage: { state: string } }).diffMambaPage.state), undefined, { timeout: 10 * 60_000 });
  const got = await page.evaluate(() => {
    const p = (window as unknown as { diffMambaPage: { state: string; error: string; ms: number; backend: string; progress: { done: number; total: number }[]; result: { width: number; height: number; rgb: Uint8Array; data: Float32Array } } }).diffMambaPage;
    if (p.state !== 'done') return { error: p.error };
    const last = p.progress[p.progress.length - 1];
    return { width: p.result.width, height: p.result.height, rgb: Array.from(p.result.rgb), data: Array.from(p.result.data), ms: p.ms, backend: p.backend, calls: last.done, total: last.total };
  }) as PageResult | { error: string };
  assert.ok(!('error' in got), `the page failed: ${'error' in got ? got.error : ''}`);
  assert.deepEqual(errors, [], 'no uncaught errors in the page');
  return got;
}

/** The bundled denoiser's restoration of `image` in Node, on `backend`. */
async function restoreInNode(backend: BackendName, image: { data: Uint8Array; width: number; height: number; channels: number }): Promise<Float32Array> {
  const before = kernels();
  useBackend(backend);
  const loaded = loadModel(bundledModelPath('denoise'));
  try {
    return await restorePlanar(loaded.model, makePlanar(3, image.height, image.width, fromHWC(image)));
  } finally {
    loaded.dispose();
    useBackend(before.name);
  }
}

function maxDifference(got: number[], want: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst;
}

test('the restoration page restores the example in headless chromium, equal to the Node wasm backend, and cancel stops it', { skip, timeout: 15 * 60_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const { url, proc } = await startServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.click('#example');
    await page.waitForFunction(() => (window as unknown as { diffMambaPage: { state: string } }).diffMambaPage.state === 'ready');
    assert.equal(await page.inputValue('#task'), 'denoise', 'the example picks its task from its name');

    // cancel: a restoration stopped after its first network call ends as cancelled
    await page.click('#restore');
    await page.waitForFunction(() => (window as unknown as { diffMambaPage: { progress: unknown[] } }).diffMambaPage.progress.length >= 1, undefined, { timeout: 5 * 60_000 });
    await page.click('#cancel');
    await page.waitForFunction(() => (window as unknown as { diffMambaPage: { state: string } }).diffMambaPage.state === 'cancelled', undefined, { timeout: 2 * 60_000 });

    const got = await restoreInPage(page, errors);
    assert.ok(await page.isVisible('#download'), 'a download link is offered');
    assert.equal(got.calls, got.total, 'progress reached every network call');

    // the same restoration in Node, on the wasm backend
    const noisy = await rgbOf(join(repoRoot(), 'examples', 'chelsea_noisy.png'));
    const clean = await rgbOf(join(repoRoot(), 'examples', 'chelsea_clean.png'));
    const want = await restoreInNode('wasm', noisy);
    assert.deepEqual([got.width, got.height], [noisy.width, noisy.height]);
    const worst = maxDifference(got.data, want);
    assert.ok(worst <= 1e-6, `the page's output differs from Node's wasm output by up to ${worst}`);
    const wantRgb = toUint8HWC({ data: want, width: noisy.width, height: noisy.height, channels: 3 }).data;
    const gotRgb = Uint8Array.from(got.rgb);
    const metric = { yChannel: true };
    const pIn = psnr({ data: noisy.data, height: noisy.height, width: noisy.width, channels: 3 }, { data: clean.data, height: clean.height, width: clean.width, channels: 3 }, metric);
    const pOut = psnr({ data: gotRgb, height: noisy.height, width: noisy.width, channels: 3 }, { data: clean.data, height: clean.height, width: clean.width, channels: 3 }, metric);
    assert.ok(pOut > pIn + 3, `the page's restoration gains over 3 dB against the clean photo (input ${pIn.toFixed(2)}, output ${pOut.toFixed(2)})`);
    assert.equal(Buffer.compare(Buffer.from(gotRgb), Buffer.from(wantRgb)), 0, 'the 8-bit result equals Node\'s');
    console.log(`browser restore: ${got.ms.toFixed(0)} ms on ${got.backend}; Y-PSNR ${pIn.toFixed(2)} → ${pOut.toFixed(2)} dB; max |page − node| ${worst}`);

    // the threads build in the cross-origin isolated page: two threads (a nested worker), and
    // the same outputs as the one-thread build in the same worker
    const threaded = await page.evaluate(async () => {
      const src = `
        const lib = await import(new URL('/lib/diff-mamba.js', self.location.origin).href);
        const one = await lib.compileWasmKernels(new URL('/kernels.wasm', self.location.origin));
        const two = await lib.compileWasmKernels(new URL('/kernels.wasm', self.location.origin),
          { threads: 2, threadsSource: new URL('/kernels-threads.wasm', self.location.origin) });
        const r = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + s));
        const a = { b: 1, groups: 4, d: 8, n: 16, L: 2048, chunk: 64 };
        const inp = { u: r(32 * 2048, 1), delta: r(32 * 2048, 2), A: r(32 * 16, 3).map((v) => -1 - Math.abs(v)), B: r(4 * 16 * 2048, 4), C: r(4 * 16 * 2048, 5), D: r(32, 6), deltaBias: r(32, 7) };
        const conv = { n: 1, c: 16, h: 48, w: 40, o: 24, kh: 3, kw: 3, padH: 1, padW: 1, groups: 1, oh: 48, ow: 40 };
        const x = r(16 * 48 * 40, 8), w = r(24 * 16 * 9, 9);
        let diff = 0;
        const cmp = (p, q) => { for (let i = 0; i < p.length; i++) diff = Math.max(diff, Math.abs(p[i] - q[i])); };
        cmp(one.scan(inp, a).y, two.scan(inp, a).y);
        cmp(one.conv2d(x, w, null, conv), two.conv2d(x, w, null, conv));
        self.postMessage({ threads: two.threads, isolated: self.crossOriginIsolated, diff });`;
      const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
      return new Promise<{ threads: number; isolated: boolean; diff: number }>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
      });
    });
    assert.equal(threaded.isolated, true, 'the page is cross-origin isolated (scripts/web.mjs sends COOP and COEP)');
    assert.equal(threaded.threads, 2, 'the threads build runs on two threads in the page');
    assert.ok(threaded.diff <= 1e-6, `the threads build differs from the one-thread build by ${threaded.diff}`);
  } finally {
    await browser.close();
    proc.kill();
  }
});

const webgpuInNode = backendKernels('webgpu');
const skipWebgpu = skip || (typeof webgpuInNode === 'string' ? `no webgpu in Node to compare with: ${webgpuInNode}` : false);

test('on WebGPU the page restores a photo through its device worker, as Node\'s webgpu backend does', { skip: skipWebgpu, timeout: 15 * 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dm-page-webgpu-'));
  const cropOf = async (name: string) => {
    const out = join(dir, name);
    await sharp(join(repoRoot(), 'examples', name)).extract({ left: 180, top: 90, width: 48, height: 40 }).png().toFile(out);
    return out;
  };
  const noisyPath = await cropOf('chelsea_noisy.png');
  const cleanPath = await cropOf('chelsea_clean.png');
  const { chromium } = await import('playwright-core');
  const { url, proc } = await startServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?engine=webgpu`);
    assert.equal(await page.inputValue('#engine'), 'webgpu', '?engine= picks the engine');
    await page.setInputFiles('#file', noisyPath);
    await page.waitForFunction(() => (window as unknown as { diffMambaPage: { state: string } }).diffMambaPage.state === 'ready');
    await page.selectOption('#task', 'denoise');
    const got = await restoreInPage(page, errors);
    assert.match(got.backend, /^WebGPU \(.+\)$/, 'the page says it ran on WebGPU, naming the adapter');
    assert.equal(got.calls, got.total, 'progress reached every network call');

    const noisy = await rgbOf(noisyPath);
    const clean = await rgbOf(cleanPath);
    const want = await restoreInNode('webgpu', noisy);
    assert.deepEqual([got.width, got.height], [noisy.width, noisy.height]);
    const worst = maxDifference(got.data, want);
    // the same shaders on the same SwiftShader, compiled by two versions of Dawn
    assert.ok(worst <= 1e-4, `the page's WebGPU output differs from Node's webgpu output by up to ${worst}`);
    const metric = { yChannel: true };
    const asImage = (data: Uint8Array) => ({ data, height: noisy.height, width: noisy.width, channels: 3 });
    const pIn = psnr(asImage(noisy.data), asImage(clean.data), metric);
    const pOut = psnr(asImage(Uint8Array.from(got.rgb)), asImage(clean.data), metric);
    assert.ok(pOut > pIn + 3, `the page's WebGPU restoration gains over 3 dB (input ${pIn.toFixed(2)}, output ${pOut.toFixed(2)})`);
    console.log(`browser webgpu restore of a ${noisy.width}x${noisy.height} crop: ${got.ms.toFixed(0)} ms on ${got.backend}; Y-PSNR ${pIn.toFixed(2)} → ${pOut.toFixed(2)} dB; max |page − node| ${worst}`);
  } finally {
    await browser.close();
    proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
