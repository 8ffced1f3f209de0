/**
 * The work a model case does, for the roofline columns of the bench: FLOPs of matrix products
 * and convolutions (2 per multiply-add, depthwise and 1×1 convolutions included) and selective
 * scan state updates. Two ways that must agree (test/bench-work.test.ts): `countWork` runs the
 * code under the kernel profiler (src/backend/profile.ts) and sums what the kernels were asked
 * to do, `dftForwardWork` is the closed form from the network config and the input size.
 * The bench uses `countWork` (it counts exactly what runs, backward passes and recomputations
 * included); the closed form documents where the work comes from.
 */
import { kernels, profileKernels, type ProfileRow } from '../src/backend/index.js';
import type { DFTConfig } from '../src/model/config.js';

export interface Work {
  /** Floating-point operations of matrix products and convolutions (2 per multiply-add). */
  flops: number;
  /** Selective-scan state updates (b × 4 directions × d_inner × d_state × L per SS2D call). */
  updates: number;
}

export function addWork(a: Work, b: Work, times = 1): Work {
  return { flops: a.flops + times * b.flops, updates: a.updates + times * b.updates };
}

function sumRows(rows: ProfileRow[]): Work & { rows: ProfileRow[] } {
  let flops = 0;
  let updates = 0;
  for (const r of rows) {
    flops += r.flops;
    updates += r.updates;
  }
  return { flops, updates, rows };
}

/**
 * Runs `fn` with every kernel call of the active backend counted by the profiler and returns
 * its result and the work. The backend in use is the object `kernels()` returns, which the
 * tensor ops fetch on every call (and their backward closures keep); its methods are swapped
 * for the profiler's wrappers for the duration of `fn` and put back afterwards, so nothing in
 * src/backend needs to know. Timing overhead is one performance.now() pair per kernel call.
 */
export function countWork<T>(fn: () => T): { result: T; work: Work & { rows: ProfileRow[] } } {
  const active = kernels();
  const saved = { ...active };
  const prof = profileKernels(saved);
  // only the kernels are swapped: a backend's other fields may be getters (wasm's threads)
  const swap = (from: object): void => {
    for (const [name, value] of Object.entries(from)) if (typeof value === 'function') (active as unknown as Record<string, unknown>)[name] = value;
  };
  swap(prof.kernels);
  let result: T;
  try {
    result = fn();
  } finally {
    swap(saved);
  }
  return { result, work: sumRows(prof.rows()) };
}

/** A stride-1 convolution cin → cout with a k×k kernel over `pixels` output pixels, `groups` groups, batch n. */
function conv(n: number, cin: number, cout: number, k: number, pixels: number, groups = 1): Work {
  return { flops: 2 * n * pixels * cout * (cin / groups) * k * k, updates: 0 };
}

/**
 * One SS2D block (src/model/ss2d.ts) at c channels over `pixels` pixels: in_proj as two 1×1
 * convs c → d_inner, the depthwise 3×3, per direction x_proj (R + 2N) × d_inner and dt_proj
 * d_inner × R matmuls over L = pixels (src/tensor/ops/fused.ts ss2dScan), out_proj d_inner → c;
 * the scan does 4 × d_inner × N updates per pixel.
 */
export function ss2dWork(n: number, c: number, pixels: number, dState: number): Work {
  const di = 2 * c;
  const r = Math.ceil(c / 16);
  const K = 4;
  let w = conv(n, c, 2 * di, 1, pixels);
  w = addWork(w, conv(n, di, di, 3, pixels, di));
  w = addWork(w, { flops: 2 * n * K * (r + 2 * dState) * di * pixels, updates: 0 });
  w = addWork(w, { flops: 2 * n * K * di * r * pixels, updates: 0 });
  w = addWork(w, conv(n, di, c, 1, pixels));
  return addWork(w, { flops: 0, updates: n * K * di * dState * pixels });
}

/** The gated depthwise FFN (src/model/ffn.ts): project_in c → 2h, depthwise 3×3 on 2h, project_out h → c. */
export function ffnWork(n: number, c: number, pixels: number, factor: number): Work {
  const h = Math.trunc(c * factor);
  let w = conv(n, c, 2 * h, 1, pixels);
  w = addWork(w, conv(n, 2 * h, 2 * h, 3, pixels, 2 * h));
  return addWork(w, conv(n, h, c, 1, pixels));
}

/**
 * One forward of the DFT (src/model/dft.ts) on an n × inp_channels × h × w input: the patch
 * embedding, seven levels of DTBs (SS2D + FFN each), the three down- and three upsampling
 * 3×3 convs, the two 1×1 channel reductions, the optional skip conv and the output conv.
 * LayerNorms, activations, gathers and adds are memory-bound and not counted.
 */
export function dftForwardWork(cfg: DFTConfig, n: number, h: number, w: number): Work {
  const d = cfg.dim;
  const [n1, n2, n3, n4] = cfg.num_blocks;
  const p1 = h * w;
  const p2 = p1 / 4;
  const p3 = p1 / 16;
  const p4 = p1 / 64;
  const level = (c: number, pixels: number, count: number): Work =>
    addWork({ flops: 0, updates: 0 }, addWork(ss2dWork(n, c, pixels, cfg.d_state), ffnWork(n, c, pixels, cfg.ffn_expansion_factor)), count);
  const parts: Work[] = [
    conv(n, cfg.inp_channels, d, 3, p1), // patch_embed
    level(d, p1, n1), // encoder_level1
    conv(n, d, d / 2, 3, p1), // down1_2 (then PixelUnshuffle)
    level(2 * d, p2, n2),
    conv(n, 2 * d, d, 3, p2), // down2_3
    level(4 * d, p3, n3),
    conv(n, 4 * d, 2 * d, 3, p3), // down3_4
    level(8 * d, p4, n4), // latent
    conv(n, 8 * d, 16 * d, 3, p4), // up4_3 (then PixelShuffle)
    conv(n, 8 * d, 4 * d, 1, p3), // reduce_chan_level3
    level(4 * d, p3, n3),
    conv(n, 4 * d, 8 * d, 3, p3), // up3_2
    conv(n, 4 * d, 2 * d, 1, p2), // reduce_chan_level2
    level(2 * d, p2, n2),
    conv(n, 2 * d, 4 * d, 3, p2), // up2_1
    level(2 * d, p1, n1), // decoder_level1
    cfg.dual_pixel_task ? conv(n, d, 2 * d, 1, p1) : { flops: 0, updates: 0 }, // skip_conv
    conv(n, 2 * d, cfg.out_channels, 3, p1), // output
  ];
  return parts.reduce((a, b) => addWork(a, b), { flops: 0, updates: 0 });
}
