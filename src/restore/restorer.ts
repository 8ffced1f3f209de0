import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import type { DFT } from '../model/dft.js';
import { NoiseSchedule } from '../diffusion/schedule.js';
import { restoreWithDdimAsync } from '../diffusion/ddim.js';
import { ddimTimesteps } from '../diffusion/timesteps.js';
import { NoiseField } from './noise-field.js';
import { crop, dihedral, padBottomRight, type Planar } from '../io/planar.js';
import { rampWeights, tilePlan } from './tiles.js';
import { yieldToEventLoop } from './yield.js';
import { noisePredictor } from '../diffusion/predictor.js';

/**
 * The defaults of restoreImage / restorePlanar, the same as `diff-mamba restore`'s (the CLI
 * takes its flag defaults from here).
 */
export const RESTORE_DEFAULTS: Readonly<{ steps: number; eta: number; seed: number; tile: number; overlap: number; ensemble: boolean }> = Object.freeze({
  steps: 3,
  eta: 0,
  seed: 0,
  tile: 384,
  overlap: 24,
  ensemble: false,
});

/** Where a restoration stands; reported after every network call. */
export interface RestoreProgress {
  /** Network calls done, over all tiles and ensemble passes (1 … total). */
  done: number;
  /** Network calls the whole restoration makes: passes × tiles per pass × callsPerTile. */
  total: number;
  /** The tile the last call belonged to, counted over all passes (1 … tiles). */
  tile: number;
  /** Tiles over all passes. */
  tiles: number;
  /** The ensemble pass (1 … passes; always 1 without `ensemble`). */
  pass: number;
  /** 8 with `ensemble`, else 1. */
  passes: number;
  /** Network calls done on the current tile (1 … callsPerTile). */
  call: number;
  /** Network calls per tile: 4 for the default 3 steps (DDIM visits 999 → 666 → 333 → 0). */
  callsPerTile: number;
}

export interface RestoreOptions {
  /** DDIM sampling steps (`sampling_timesteps`, an integer ≥ 1; default 3 → four network calls per tile). */
  steps?: number;
  /** DDIM η ≥ 0 (default 0: deterministic for a seed). */
  eta?: number;
  /** Seed of x_T and of the η noise (an integer, default 0). */
  seed?: number;
  /**
   * Largest tile side in pixels (default 384, as the CLI), rounded down to a multiple of 8 (at least 8);
   * tiles are cut as small as covering the image allows and spread evenly (tilePlan).
   * 0 restores the whole image in one go: Node is then blocked for a whole network call over
   * the image and memory peaks far higher (~1.5 GB for 448×296).
   */
  tile?: number;
  /** Least pixels shared by neighbouring tiles, cross-faded (default 24; less than the tile). */
  overlap?: number;
  /** Average the 8 flips/transposes of the image (×8 the time; default false). */
  ensemble?: boolean;
  /** The diffusion schedule (default: the one the models were trained with, new NoiseSchedule()). */
  schedule?: NoiseSchedule;
  /** Called after every network call. */
  onProgress?: (p: RestoreProgress) => void;
  /** Aborting it stops the restoration before its next network call; the promise rejects with RestoreAbortedError. */
  signal?: AbortSignal;
  /**
   * Restores one tile somewhere else (a worker of a pool, say) instead of with `model` here:
   * it must return what `restoreTile(model, tile, top, left, resolvedOptions, onCall)` returns
   * for the same model and options, calling onCall after each network call. Tiles are
   * independent (their noise is addressed by position), so any number may run at once.
   */
  runTile?: TileRunner;
  /** Tiles in flight at once (default 1; more only helps with a `runTile` that runs them in parallel). */
  concurrency?: number;
}

/** See RestoreOptions.runTile. */
export type TileRunner = (tile: Planar, top: number, left: number, onCall: (call: number) => void) => Promise<Float32Array>;

/** The rejection of a restoration whose AbortSignal fired; `cause` is the signal's reason. */
export class RestoreAbortedError extends Error {
  constructor(reason?: unknown) {
    super('restoration aborted', reason === undefined ? undefined : { cause: reason });
    this.name = 'RestoreAbortedError';
  }
}

/** The options with every default filled in. */
export type ResolvedRestoreOptions = Required<Omit<RestoreOptions, 'onProgress' | 'signal' | 'runTile'>> & Pick<RestoreOptions, 'onProgress' | 'signal' | 'runTile'>;

/** Fills in the defaults and checks every option, throwing a RangeError or TypeError naming the bad one. */
export function resolveRestoreOptions(opts: RestoreOptions = {}): ResolvedRestoreOptions {
  const d = RESTORE_DEFAULTS;
  const int = (name: string, v: number, min: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`restore: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
    return v;
  };
  const steps = int('steps', opts.steps ?? d.steps, 1);
  const seed = opts.seed ?? d.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new RangeError(`restore: seed must be an integer, got ${String(seed)}`);
  const eta = opts.eta ?? d.eta;
  if (typeof eta !== 'number' || !Number.isFinite(eta) || eta < 0) throw new RangeError(`restore: eta must be a number ≥ 0, got ${String(eta)}`);
  const tile = int('tile', opts.tile ?? d.tile, 0);
  const overlap = int('overlap', opts.overlap ?? d.overlap, 0);
  if (tile > 0 && overlap >= tileSide(tile)) throw new RangeError(`restore: overlap (${overlap}) must be smaller than the tile (${tileSide(tile)})`);
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new TypeError('restore: onProgress must be a function');
  const schedule = opts.schedule ?? new NoiseSchedule();
  ddimTimesteps(schedule.numTimesteps, steps); // steps beyond the schedule fail here, before any work
  if (opts.runTile !== undefined && typeof opts.runTile !== 'function') throw new TypeError('restore: runTile must be a function');
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new RangeError(`restore: concurrency must be an integer in 1…256, got ${String(opts.concurrency)}`);
  return { steps, eta, seed, tile, overlap, ensemble: opts.ensemble ?? d.ensemble, schedule, onProgress: opts.onProgress, signal: opts.signal, runTile: opts.runTile, concurrency };
}

/** The tile side a requested size gives: rounded down to a multiple of 8, at least 8. */
function tileSide(tile: number): number {
  return Math.max(8, Math.floor(tile / 8) * 8);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RestoreAbortedError(signal.reason);
}

/**
 * Restores a planar RGB image in [0, 1] with the diffusion model: reflect-pads to a multiple
 * of 8, runs DDIM per tile from a position-addressed x_T, cross-fades the tiles, crops back.
 * Hands the event loop back after every network call (and once before the first), checks
 * `signal` before each call and reports progress after each.
 */
export async function restorePlanar(model: DFT, img: Planar, options: RestoreOptions = {}): Promise<Float32Array> {
  const opts = resolveRestoreOptions(options);
  if (img.channels !== model.config.out_channels) {
    throw new Error(`restore: the model restores ${model.config.out_channels}-channel images, got ${img.channels} channels`);
  }
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1 || img.data.length !== img.channels * img.height * img.width) {
    throw new RangeError(`restore: ${img.data.length} values do not make a ${img.channels}×${img.height}×${img.width} image`);
  }
  throwIfAborted(opts.signal);
  const modes = opts.ensemble ? [0, 1, 2, 3, 4, 5, 6, 7] : [0];
  const plans = modes.map((m) => {
    const t = dihedral(img, m);
    const H = Math.ceil(t.height / 8) * 8;
    const W = Math.ceil(t.width / 8) * 8;
    const py = opts.tile ? tilePlan(H, tileSide(opts.tile), opts.overlap) : { size: H, starts: [0] };
    const px = opts.tile ? tilePlan(W, tileSide(opts.tile), opts.overlap) : { size: W, starts: [0] };
    return { mode: m, t, H, W, th: py.size, tw: px.size, ys: py.starts, xs: px.starts, overlap: opts.overlap };
  });
  const callsPerTile = ddimTimesteps(opts.schedule.numTimesteps, opts.steps).seq.length;
  const tiles = plans.reduce((a, p) => a + p.ys.length * p.xs.length, 0);
  const progress: RestoreProgress = { done: 0, total: tiles * callsPerTile, tile: 0, tiles, pass: 0, passes: plans.length, call: 0, callsPerTile };
  // return a pending promise before any heavy work, like any other asynchronous API
  await yieldToEventLoop();
  throwIfAborted(opts.signal);
  const sum = new Float32Array(img.data.length);
  for (const p of plans) {
    progress.pass++;
    const padded = padBottomRight(p.t, p.H, p.W);
    const acc = new Float32Array(p.t.channels * p.H * p.W);
    const wsum = new Float32Array(p.H * p.W);
    const blend = (iy: number, ix: number, out: Float32Array) => {
      const top = p.ys[iy];
      const left = p.xs[ix];
      const wy = rampWeights(p.th, p.overlap, iy > 0, iy < p.ys.length - 1);
      const wx = rampWeights(p.tw, p.overlap, ix > 0, ix < p.xs.length - 1);
      for (let y = 0; y < p.th; y++) {
        for (let x = 0; x < p.tw; x++) {
          const w = wy[y] * wx[x];
          const pix = (top + y) * p.W + left + x;
          wsum[pix] += w;
          for (let c = 0; c < p.t.channels; c++) acc[c * p.H * p.W + pix] += w * out[(c * p.th + y) * p.tw + x];
        }
      }
    };
    const jobs = p.ys.flatMap((_, iy) => p.xs.map((_, ix) => ({ iy, ix })));
    const run = (j: { iy: number; ix: number }) => {
      const top = p.ys[j.iy];
      const left = p.xs[j.ix];
      progress.tile++;
      const tile = crop(padded, top, left, p.th, p.tw);
      const onCall = (call: number) => {
        progress.done++;
        progress.call = call;
        opts.onProgress?.({ ...progress });
      };
      return opts.runTile ? opts.runTile(tile, top, left, onCall) : restoreTile(model, tile, top, left, opts, onCall);
    };
    // tiles finish in any order but are blended in plan order, so the sums (and the image)
    // do not depend on how many ran at once
    await inOrder(jobs.length, opts.concurrency, (i) => run(jobs[i]), (i, out) => blend(jobs[i].iy, jobs[i].ix, out), opts.signal);
    for (let c = 0; c < p.t.channels; c++) for (let i = 0; i < p.H * p.W; i++) acc[c * p.H * p.W + i] /= wsum[i];
    const merged = crop({ data: acc, channels: p.t.channels, height: p.H, width: p.W }, 0, 0, p.t.height, p.t.width);
    const back = dihedral(merged, p.mode, true);
    for (let i = 0; i < sum.length; i++) sum[i] += back.data[i];
  }
  if (plans.length > 1) for (let i = 0; i < sum.length; i++) sum[i] /= plans.length;
  throwIfAborted(opts.signal);
  return sum;
}

/**
 * Runs task(0 … n−1) with at most `limit` in flight and hands each result to `use` in index
 * order (an early result waits for the ones before it). The first failure rejects the whole,
 * after the tasks in flight have settled.
 */
async function inOrder<T>(n: number, limit: number, task: (i: number) => Promise<T>, use: (i: number, r: T) => void, signal?: AbortSignal): Promise<void> {
  const results = new Map<number, T>();
  let next = 0;
  let used = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < n) {
      const i = next++;
      try {
        throwIfAborted(signal);
        results.set(i, await task(i));
      } catch (e) {
        failure ??= e;
        return;
      }
      while (results.has(used)) {
        use(used, results.get(used)!);
        results.delete(used);
        used++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  if (failure !== null) throw failure;
}

/**
 * One tile through the sampler: x_T and the η noise come from the position-addressed field, so
 * a tile's result depends only on its pixels, its position and the options (a worker that runs
 * this gets what restorePlanar would).
 */
export function restoreTile(model: DFT, tile: Planar, top: number, left: number, opts: ResolvedRestoreOptions, onCall: (call: number) => void): Promise<Float32Array> {
  const field = new NoiseField(opts.seed);
  const shape = [1, tile.channels, tile.height, tile.width];
  const lq = new Tensor(tile.data, shape);
  const xT = new Tensor(field.window(0, tile.channels, top, left, tile.height, tile.width), shape);
  return restoreWithDdimAsync(noisePredictor(model, opts.schedule), opts.schedule, lq, xT, {
    steps: opts.steps,
    eta: opts.eta,
    rng: new Rng(opts.seed),
    noise: (k) => field.window(k + 1, tile.channels, top, left, tile.height, tile.width),
    beforeCall: () => throwIfAborted(opts.signal),
    onStep: (done) => onCall(done),
    pause: yieldToEventLoop,
  });
}
