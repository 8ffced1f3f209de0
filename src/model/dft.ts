import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { TensorError } from '../tensor/errors.js';
import * as F from '../tensor/ops/index.js';
import { Container, Conv2d, Module, ModelDisposedError } from '../nn/index.js';
import { DTB, timeFeatures } from './dtb.js';
import { resolveDFTConfig, type DFTConfig } from './config.js';
import { releaseKernelMemory } from '../backend/index.js';

/** A chain of DTBs; the level's time features are computed once and shared by its blocks. */
class Level extends Module {
  readonly blocks: DTB[];

  constructor(readonly dim: number, count: number, cfg: DFTConfig, rng: Rng) {
    super();
    this.blocks = Array.from({ length: count }, (_, i) =>
      this.child(String(i), new DTB(dim, cfg.LayerNorm_type, cfg.d_state, cfg.ffn_expansion_factor, rng, cfg.residual_from_input)),
    );
  }

  forward(x: Tensor, t: Float32Array): Tensor {
    const temb = timeFeatures(t, this.dim);
    for (const b of this.blocks) x = b.forward(x, temb);
    return x;
  }
}

/** conv3×3 (c → c/2) + PixelUnshuffle(2), or conv3×3 (c → 2c) + PixelShuffle(2); keys `<name>.body.0.weight`. */
class Resample extends Module {
  readonly conv: Conv2d;

  constructor(c: number, readonly down: boolean, rng: Rng) {
    super();
    const body = this.child('body', new Container());
    this.conv = body.add('0', new Conv2d(c, down ? c / 2 : 2 * c, { kernel: 3, padding: 1, bias: false, rng }));
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.down ? F.pixelUnshuffle(y, 2) : F.pixelShuffle(y, 2);
  }
}

/** The patch embedding: a conv under `patch_embed.proj`. */
class PatchEmbed extends Module {
  readonly proj: Conv2d;

  constructor(inC: number, dim: number, rng: Rng) {
    super();
    this.proj = this.child('proj', new Conv2d(inC, dim, { kernel: 3, padding: 1, bias: false, rng }));
  }
}

/**
 * The Diff-Mamba denoiser (the authors' DFT): a 4-level U-Net of DTBs predicting the noise ε
 * from cat[lq, x_t] and the timestep. State dict keys are the official ones.
 */
export class DFT extends Module {
  readonly config: DFTConfig;
  readonly patchEmbed: PatchEmbed;
  readonly encoderLevel1: Level;
  readonly down12: Resample;
  readonly encoderLevel2: Level;
  readonly down23: Resample;
  readonly encoderLevel3: Level;
  readonly down34: Resample;
  readonly latent: Level;
  readonly up43: Resample;
  readonly reduceChanLevel3: Conv2d;
  readonly decoderLevel3: Level;
  readonly up32: Resample;
  readonly reduceChanLevel2: Conv2d;
  readonly decoderLevel2: Level;
  readonly up21: Resample;
  readonly decoderLevel1: Level;
  readonly skipConv: Conv2d | null;
  readonly output: Conv2d;

  constructor(config: Partial<DFTConfig> = {}, opts: { seed?: number } = {}) {
    super();
    const cfg = resolveDFTConfig(config as Record<string, unknown>, 'DFT config');
    this.config = cfg;
    const rng = new Rng(opts.seed ?? 0);
    const d = cfg.dim;
    const [n1, n2, n3, n4] = cfg.num_blocks;
    this.patchEmbed = this.child('patch_embed', new PatchEmbed(cfg.inp_channels, d, rng));
    this.encoderLevel1 = this.child('encoder_level1', new Level(d, n1, cfg, rng));
    this.down12 = this.child('down1_2', new Resample(d, true, rng));
    this.encoderLevel2 = this.child('encoder_level2', new Level(2 * d, n2, cfg, rng));
    this.down23 = this.child('down2_3', new Resample(2 * d, true, rng));
    this.encoderLevel3 = this.child('encoder_level3', new Level(4 * d, n3, cfg, rng));
    this.down34 = this.child('down3_4', new Resample(4 * d, true, rng));
    this.latent = this.child('latent', new Level(8 * d, n4, cfg, rng));
    this.up43 = this.child('up4_3', new Resample(8 * d, false, rng));
    this.reduceChanLevel3 = this.child('reduce_chan_level3', new Conv2d(8 * d, 4 * d, { kernel: 1, bias: cfg.bias, rng }));
    this.decoderLevel3 = this.child('decoder_level3', new Level(4 * d, n3, cfg, rng));
    this.up32 = this.child('up3_2', new Resample(4 * d, false, rng));
    this.reduceChanLevel2 = this.child('reduce_chan_level2', new Conv2d(4 * d, 2 * d, { kernel: 1, bias: cfg.bias, rng }));
    this.decoderLevel2 = this.child('decoder_level2', new Level(2 * d, n2, cfg, rng));
    this.up21 = this.child('up2_1', new Resample(2 * d, false, rng));
    this.decoderLevel1 = this.child('decoder_level1', new Level(2 * d, n1, cfg, rng));
    this.skipConv = cfg.dual_pixel_task ? this.child('skip_conv', new Conv2d(d, 2 * d, { kernel: 1, bias: cfg.bias, rng })) : null;
    this.output = this.child('output', new Conv2d(2 * d, cfg.out_channels, { kernel: 3, padding: 1, bias: cfg.bias, rng }));
    // a residual predictor starts as the identity (x̂0 = lq); its gradients still reach every layer after one step
    if (cfg.predict_residual) for (const p of this.output.parameters()) p.data.fill(0);
  }

  /**
   * Releases the weights (see Module.dispose) and returns the native kernels' cached memory
   * to the system (releaseKernelMemory). Call it when done with the model; forward and any
   * restoration still running with it then fail with ModelDisposedError. Idempotent.
   */
  override dispose(): void {
    if (this.disposed) return;
    super.dispose();
    releaseKernelMemory();
  }

  /**
   * inp: (N, inp_channels, H, W) = cat[lq, x_t] in [−1, 1]; t: one timestep per batch item.
   * H and W must be multiples of 8. Returns ε̂ (N, out_channels, H, W), or with
   * config.predict_residual the residual x̂0 − lq (diffusion/predictor.ts turns it into ε̂).
   */
  forward(inp: Tensor, t: Float32Array | number[]): Tensor {
    if (this.disposed) throw new ModelDisposedError('DFT.forward');
    const cfg = this.config;
    if (inp.ndim !== 4 || inp.shape[1] !== cfg.inp_channels) {
      throw new TensorError('DFT', `input must be (N, ${cfg.inp_channels}, H, W)`, [inp.shape]);
    }
    const [n, , h, w] = inp.shape;
    if (h % 8 || w % 8) throw new TensorError('DFT', `height and width must be multiples of 8 (pad the image first), got ${h}×${w}`, [inp.shape]);
    const ts = t instanceof Float32Array ? t : Float32Array.from(t);
    if (ts.length !== n) throw new TensorError('DFT', `needs one timestep per batch item (${n}), got ${ts.length}`, [inp.shape]);
    const e1In = this.patchEmbed.proj.forward(inp);
    const e1 = this.encoderLevel1.forward(e1In, ts);
    const e2 = this.encoderLevel2.forward(this.down12.forward(e1), ts);
    const e3 = this.encoderLevel3.forward(this.down23.forward(e2), ts);
    const lat = this.latent.forward(this.down34.forward(e3), ts);
    let d3 = this.reduceChanLevel3.forward(F.concat([this.up43.forward(lat), e3], 1));
    d3 = this.decoderLevel3.forward(d3, ts);
    let d2 = this.reduceChanLevel2.forward(F.concat([this.up32.forward(d3), e2], 1));
    d2 = this.decoderLevel2.forward(d2, ts);
    let d1 = F.concat([this.up21.forward(d2), e1], 1);
    d1 = this.decoderLevel1.forward(d1, ts);
    if (this.skipConv) return this.output.forward(F.add(d1, this.skipConv.forward(e1In)));
    if (cfg.predict_residual) return this.output.forward(d1);
    const xt = F.slice(inp, 1, cfg.inp_channels - cfg.out_channels, cfg.inp_channels);
    return F.add(this.output.forward(d1), xt);
  }
}
