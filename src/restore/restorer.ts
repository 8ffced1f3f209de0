import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import type { DFT } from '../model/dft.js';
import { NoiseSchedule } from '../diffusion/schedule.js';
import { restoreWithDdim } from '../diffusion/ddim.js';
import { NoiseField } from './noise-field.js';
import { crop, dihedral, padBottomRight, type Planar } from '../io/planar.js';
import { rampWeights, tileStarts } from './tiles.js';

export interface RestoreOptions {
  /** DDIM sampling steps (`sampling_timesteps`, default 3 → four network calls). */
  steps?: number;
  /** DDIM η (default 0: deterministic for a seed). */
  eta?: number;
  /** Seed of x_T and of the η noise. */
  seed?: number;
  /** Tile side in pixels (a multiple of 8); 0 restores the whole image at once. */
  tile?: number;
  /** Pixels shared by neighbouring tiles, cross-faded. */
  overlap?: number;
  /** Average the 8 flips/transposes of the image (×8 the time). */
  ensemble?: boolean;
  schedule?: NoiseSchedule;
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

export class RestoreAbortedError extends Error {
  constructor() {
    super('restoration aborted');
    this.name = 'RestoreAbortedError';
  }
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Restores a planar RGB image in [0, 1] with the diffusion model: reflect-pads to a multiple
 * of 8, runs DDIM per tile from a position-addressed x_T, cross-fades the tiles, crops back.
 */
export async function restorePlanar(model: DFT, img: Planar, opts: RestoreOptions = {}): Promise<Float32Array> {
  if (img.channels !== model.config.out_channels) {
    throw new Error(`restore: the model restores ${model.config.out_channels}-channel images, got ${img.channels} channels`);
  }
  const modes = opts.ensemble ? [0, 1, 2, 3, 4, 5, 6, 7] : [0];
  const plans = modes.map((m) => {
    const t = dihedral(img, m);
    const H = Math.ceil(t.height / 8) * 8;
    const W = Math.ceil(t.width / 8) * 8;
    const tile = opts.tile ? Math.max(8, Math.floor(opts.tile / 8) * 8) : 0;
    const th = tile ? Math.min(tile, H) : H;
    const tw = tile ? Math.min(tile, W) : W;
    const overlap = opts.overlap ?? 32;
    return { mode: m, t, H, W, th, tw, ys: tileStarts(H, th, overlap), xs: tileStarts(W, tw, overlap), overlap };
  });
  const total = plans.reduce((a, p) => a + p.ys.length * p.xs.length, 0);
  let done = 0;
  const sum = new Float32Array(img.data.length);
  for (const p of plans) {
    const padded = padBottomRight(p.t, p.H, p.W);
    const acc = new Float32Array(p.t.channels * p.H * p.W);
    const wsum = new Float32Array(p.H * p.W);
    for (let iy = 0; iy < p.ys.length; iy++) {
      for (let ix = 0; ix < p.xs.length; ix++) {
        if (opts.signal?.aborted) throw new RestoreAbortedError();
        const top = p.ys[iy];
        const left = p.xs[ix];
        const out = restoreTile(model, crop(padded, top, left, p.th, p.tw), top, left, opts);
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
        done++;
        opts.onProgress?.({ done, total });
        await yieldToEventLoop();
      }
    }
    for (let c = 0; c < p.t.channels; c++) for (let i = 0; i < p.H * p.W; i++) acc[c * p.H * p.W + i] /= wsum[i];
    const merged = crop({ data: acc, channels: p.t.channels, height: p.H, width: p.W }, 0, 0, p.t.height, p.t.width);
    const back = dihedral(merged, p.mode, true);
    for (let i = 0; i < sum.length; i++) sum[i] += back.data[i];
  }
  if (plans.length > 1) for (let i = 0; i < sum.length; i++) sum[i] /= plans.length;
  return sum;
}

/** One tile through the sampler: x_T and the η noise come from the position-addressed field. */
function restoreTile(model: DFT, tile: Planar, top: number, left: number, opts: RestoreOptions): Float32Array {
  const field = new NoiseField(opts.seed ?? 0);
  const shape = [1, tile.channels, tile.height, tile.width];
  const lq = new Tensor(tile.data, shape);
  const xT = new Tensor(field.window(0, tile.channels, top, left, tile.height, tile.width), shape);
  const schedule = opts.schedule ?? new NoiseSchedule();
  return restoreWithDdim((x, t) => model.forward(x, t), schedule, lq, xT, {
    steps: opts.steps ?? 3,
    eta: opts.eta ?? 0,
    rng: new Rng(opts.seed ?? 0),
    noise: (k) => field.window(k + 1, tile.channels, top, left, tile.height, tile.width),
  });
}
