import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadModel } from '../../src/model/checkpoint.js';
import type { DFT } from '../../src/model/dft.js';
import { ModelDisposedError } from '../../src/nn/module.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { restoreImage } from '../../src/restore/image.js';
import { RESTORE_DEFAULTS, RestoreAbortedError, resolveRestoreOptions, type RestoreProgress } from '../../src/restore/restorer.js';
import { createYield, yieldKind } from '../../src/restore/yield.js';
import { readImage, writeImage, type FloatImage } from '../../src/io/image.js';
import { registerRestore } from '../../src/cli/commands/restore.js';
import { fixturePath, repoRoot } from '../helpers/shared.js';

const tinyPath = () => fixturePath('dft_tiny_weights.safetensors');

/** The tiny model behind a wrapper that counts network calls and lets a test act on each. */
function counted(onCall?: (n: number) => void): { model: DFT; calls: () => number } {
  const inner = loadModel(tinyPath()).model;
  let n = 0;
  const model = Object.create(inner) as DFT;
  model.forward = (x: Tensor, t: Float32Array | number[]) => {
    n++;
    onCall?.(n);
    return inner.forward(x, t);
  };
  return { model, calls: () => n };
}

function image(width: number, height: number, seed = 1): FloatImage {
  const data = new Float32Array(3 * width * height).map((_, i) => Math.abs(Math.sin(i * 0.37 + seed)));
  return { data, width, height, channels: 3, alpha: null, bitDepth: 8 };
}

describe('asynchronous restoration', () => {
  it('an already aborted signal rejects with RestoreAbortedError before any network call', async () => {
    const { model, calls } = counted();
    const ac = new AbortController();
    ac.abort('changed my mind');
    await assert.rejects(restoreImage(model, image(40, 24), { tile: 16, overlap: 4, signal: ac.signal }), (e: unknown) => {
      assert.ok(e instanceof RestoreAbortedError);
      assert.equal(e.cause, 'changed my mind');
      return true;
    });
    assert.equal(calls(), 0);
  });

  it('abort is honoured within one network call: no call starts after the signal fires', async () => {
    // aborted from inside a network call (the worst moment): that call finishes, no other starts
    for (const at of [1, 3, 4, 5, 11]) {
      const ac = new AbortController();
      const { model, calls } = counted((n) => (n === at ? ac.abort() : undefined));
      await assert.rejects(restoreImage(model, image(48, 32), { tile: 16, overlap: 0, signal: ac.signal }), RestoreAbortedError);
      assert.equal(calls(), at, `aborted during call ${at}`);
    }
    // aborted from a timer while the restoration runs: not one call after it
    const ac = new AbortController();
    const { model, calls } = counted();
    let atAbort = -1;
    const timer = setInterval(() => {
      if (calls() >= 3) {
        atAbort = calls();
        ac.abort();
        clearInterval(timer);
      }
    }, 0);
    await assert.rejects(restoreImage(model, image(64, 64), { tile: 16, overlap: 0, signal: ac.signal }), RestoreAbortedError);
    clearInterval(timer);
    assert.ok(atAbort >= 3, 'the timer ran during the restoration');
    assert.equal(calls(), atAbort);
  });

  it('does not block the event loop for more than one network call, and returns before the first', async () => {
    let sinceTick = 0;
    let worst = 0;
    const { model, calls } = counted(() => {
      sinceTick++;
      worst = Math.max(worst, sinceTick);
    });
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      sinceTick = 0;
    }, 1);
    const p = restoreImage(model, image(40, 40), { tile: 16, overlap: 4, ensemble: true });
    assert.equal(calls(), 0, 'restoreImage returns its promise before any network call');
    await p;
    clearInterval(timer);
    assert.ok(calls() > 100);
    assert.equal(worst, 1, `a timer had to wait for ${worst} network calls`);
    assert.ok(ticks >= calls(), `the timer fired ${ticks} times over ${calls()} calls`);
  });

  it('a real-size restoration with the bundled model leaves a timer waiting at most one network call', async () => {
    const { model } = loadModel(join(repoRoot(), 'models', 'denoise', 'denoise.safetensors'));
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 2);
    let prev = performance.now();
    let maxCall = 0;
    await restoreImage(model, image(120, 72), {
      tile: 64,
      overlap: 16,
      onProgress: () => {
        const now = performance.now();
        maxCall = Math.max(maxCall, now - prev);
        prev = now;
      },
    });
    clearInterval(timer);
    // between two progress reports lie one network call, one yield and the tile bookkeeping
    assert.ok(maxGap <= maxCall + 50, `longest timer gap ${maxGap.toFixed(0)} ms, longest network call ${maxCall.toFixed(0)} ms`);
  });

  it('reports progress once per network call, counted over all tiles and ensemble passes', async () => {
    for (const opts of [{ tile: 16, overlap: 4 }, { tile: 16, overlap: 4, steps: 2 }, { tile: 0, ensemble: true }, { tile: 24, overlap: 8, ensemble: true, steps: 1 }]) {
      const { model, calls } = counted();
      const seen: RestoreProgress[] = [];
      await restoreImage(model, image(40, 24), { ...opts, onProgress: (p) => seen.push(p) });
      const what = JSON.stringify(opts);
      assert.equal(seen.length, calls(), what);
      assert.deepEqual(seen.map((p) => p.done), Array.from({ length: calls() }, (_, i) => i + 1), what);
      const last = seen[seen.length - 1];
      assert.equal(last.total, calls(), what);
      assert.equal(last.tile, last.tiles, what);
      assert.equal(last.pass, last.passes, what);
      assert.equal(last.passes, opts.ensemble ? 8 : 1, what);
      assert.equal(last.tiles * last.callsPerTile, last.total, what);
      // DDIM's quirk: 3 steps visit four timesteps
      assert.equal(last.callsPerTile, { 1: 1, 2: 2, 3: 4 }[opts.steps ?? 3], what);
      for (const p of seen) {
        assert.ok(p.call >= 1 && p.call <= p.callsPerTile && p.done === (p.tile - 1) * p.callsPerTile + p.call, `${what}: ${JSON.stringify(p)}`);
      }
    }
  });

  it('defaults equal the CLI: the restore command takes its flag defaults from RESTORE_DEFAULTS', () => {
    assert.deepEqual({ ...RESTORE_DEFAULTS }, { steps: 3, eta: 0, seed: 0, tile: 384, overlap: 24, ensemble: false });
    const program = new Command();
    registerRestore(program);
    const restore = program.commands.find((c) => c.name() === 'restore')!;
    const flag = (name: string) => restore.options.find((o) => o.long === `--${name}`)!.defaultValue as unknown;
    for (const k of ['steps', 'eta', 'seed', 'tile', 'overlap'] as const) assert.equal(Number(flag(k)), RESTORE_DEFAULTS[k], k);
    assert.equal(flag('ensemble'), undefined);
    const r = resolveRestoreOptions();
    assert.deepEqual([r.steps, r.eta, r.seed, r.tile, r.overlap, r.ensemble], [3, 0, 0, 384, 24, false]);
  });

  it('defaults equal the CLI: no options tile at 384 and give the CLI’s output, bit for bit', async () => {
    const m = loadModel(tinyPath()).model;
    const img = image(400, 24, 3);
    const plain = await restoreImage(m, img);
    const explicit = await restoreImage(m, img, { tile: 384, overlap: 24, steps: 3, eta: 0, seed: 0, ensemble: false });
    const whole = await restoreImage(m, img, { tile: 0 });
    assert.deepEqual(plain.data, explicit.data);
    assert.notDeepEqual(plain.data, whole.data, 'the default tiles a 400-pixel-wide image');
    const dir = mkdtempSync(join(tmpdir(), 'dm-defaults-'));
    await writeImage(join(dir, 'in.png'), img);
    const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [cli, 'restore', join(dir, 'in.png'), '-o', join(dir, 'out'), '--model', tinyPath()], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // the CLI read the 8-bit file; the library result of that same file must match its output
    const fromFile = await restoreImage(m, await readImage(join(dir, 'in.png')));
    assert.deepEqual((await readImage(join(dir, 'out', 'in.png'))).data, (await writeAndRead(fromFile, join(dir, 'lib2.png'))).data);
  });

  it('rejects bad options with a RangeError naming them', async () => {
    const m = loadModel(tinyPath()).model;
    const img = image(16, 16);
    for (const [opts, re] of [
      [{ steps: 0 }, /steps/],
      [{ steps: 2.5 }, /steps/],
      [{ eta: -1 }, /eta/],
      [{ eta: Number.NaN }, /eta/],
      [{ seed: 0.5 }, /seed/],
      [{ tile: -8 }, /tile/],
      [{ overlap: -1 }, /overlap/],
      [{ tile: 64, overlap: 64 }, /overlap .* smaller than the tile/],
      [{ steps: 5000 }, /steps/],
    ] as const) {
      await assert.rejects(restoreImage(m, img, opts), (e: unknown) => e instanceof RangeError && re.test(e.message), JSON.stringify(opts));
    }
  });

  it('both yields resolve on a later turn; Node gets the timer-based one', async () => {
    assert.equal(yieldKind(), 'timeout');
    for (const kind of ['timeout', 'message-channel'] as const) {
      const y = createYield(kind);
      let later = false;
      const p = y().then(() => later);
      later = true;
      assert.equal(await p, true, kind);
      await Promise.all([y(), y(), y()]);
    }
  });
});

describe('dispose', () => {
  it('releases the weights; forward and restorations fail with ModelDisposedError; idempotent', async () => {
    const loaded = loadModel(tinyPath());
    const { model } = loaded;
    assert.ok(model.parameters().every((p) => p.data.length > 0));
    loaded.dispose();
    assert.ok(model.disposed);
    assert.ok(model.parameters().every((p) => p.data.length === 0 && p.grad === null));
    assert.doesNotThrow(() => model.dispose());
    await assert.rejects(restoreImage(model, image(16, 16)), ModelDisposedError);
  });

  it('disposing during a restoration stops it at the next network call', async () => {
    const { model } = loadModel(tinyPath());
    let n = 0;
    await assert.rejects(
      restoreImage(model, image(48, 32), { tile: 16, overlap: 0, onProgress: () => (++n === 2 ? model.dispose() : undefined) }),
      ModelDisposedError,
    );
    assert.equal(n, 2);
  });

  it('a script that restores an image with the bundled model exits by itself, and dispose gives the memory back', () => {
    const index = join(repoRoot(), 'dist', 'src', 'index.js');
    const script = `
      const dm = await import(${JSON.stringify(index)});
      const loaded = dm.loadModel(dm.bundledModelPath('denoise'));
      const photo = await dm.readImage(${JSON.stringify(join(repoRoot(), 'examples', 'chelsea_noisy.png'))});
      const [h, w] = [120, 200];
      const data = new Float32Array(3 * h * w);
      for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) data.set(photo.data.subarray((c * photo.height + y) * photo.width, (c * photo.height + y) * photo.width + w), (c * h + y) * w);
      const out = await dm.restoreImage(loaded.model, { ...photo, data, width: w, height: h }, { tile: 128 });
      await dm.writeImage(${JSON.stringify(join(tmpdir(), `dm-exit-${process.pid}.png`))}, out, { overwrite: true });
      const before = process.memoryUsage().rss;
      loaded.dispose();
      const after = process.memoryUsage().rss;
      console.log(JSON.stringify({ w: out.width, h: out.height, before, after, native: dm.kernels().name }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `the script did not exit by itself: ${r.signal ?? ''} ${r.stderr}`);
    const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as { w: number; h: number; before: number; after: number; native: string };
    assert.deepEqual([o.w, o.h], [200, 120]);
    if (o.native === 'native') assert.ok(o.after < o.before - 50 * 2 ** 20, `rss ${o.before >> 20} → ${o.after >> 20} MiB after dispose`);
  });
});

async function writeAndRead(img: FloatImage, path: string): Promise<FloatImage> {
  await writeImage(path, img, { overwrite: true });
  return readImage(path);
}
