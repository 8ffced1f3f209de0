// Building a DFT from weights in memory, and the checks that keep broken weights out: no file
// access, so it runs in a browser too. Files are model/checkpoint.ts.
import { showName } from '../io/limits.js';
import { parseSafetensors, type StoredTensor } from '../io/safetensors-format.js';
import { StateDictError, type LoadReport } from '../nn/module.js';
import { DFT } from './dft.js';
import { ConfigError, DEFAULT_DFT_CONFIG, dftParameterCount, pickDFTConfig, resolveDFTConfig, type DFTConfig } from './config.js';
import type { Tensor } from '../tensor/tensor.js';

/** Weights or network outputs that are NaN, infinite or blown up; the message names the checkpoint. */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}


/** Where weights count as exploded: trained DFT weights stay within a few tens (the bundled models' largest is 7). */
export const EXPLODED_WEIGHT = 1e4;
/** Where a network output counts as exploded: the DFT predicts unit-variance noise. */
export const EXPLODED_OUTPUT = 1e4;

/** The first tensors holding NaN/Inf values or values beyond `bound` in magnitude, with the largest magnitude seen. */
export function findBadValues(tensors: Iterable<[string, { data: Float32Array }]>, bound = Infinity): { nonFinite: { key: string; count: number }[]; exploded: { key: string; max: number }[] } {
  const nonFinite: { key: string; count: number }[] = [];
  const exploded: { key: string; max: number }[] = [];
  for (const [key, t] of tensors) {
    const d = t.data;
    let bad = 0;
    let max = 0;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v !== v || v === Infinity || v === -Infinity) bad++;
      else if (v > max) max = v;
      else if (-v > max) max = -v;
    }
    if (bad) nonFinite.push({ key, count: bad });
    else if (max > bound) exploded.push({ key, max });
  }
  return { nonFinite, exploded };
}

/** One line about bad weights, or null when there are none. */
export function describeBadValues(bad: ReturnType<typeof findBadValues>): string | null {
  const parts: string[] = [];
  if (bad.nonFinite.length) {
    const n = bad.nonFinite.reduce((a, b) => a + b.count, 0);
    parts.push(`${n} NaN/infinite value${n > 1 ? 's' : ''} in ${bad.nonFinite.length} tensor${bad.nonFinite.length > 1 ? 's' : ''} (${bad.nonFinite.slice(0, 3).map((b) => showName(b.key, 60)).join(', ')}${bad.nonFinite.length > 3 ? ', …' : ''})`);
  }
  if (bad.exploded.length) {
    const worst = bad.exploded.reduce((a, b) => (b.max > a.max ? b : a));
    parts.push(`values up to ${worst.max.toExponential(2)} in ${bad.exploded.length} tensor${bad.exploded.length > 1 ? 's' : ''} (largest in ${showName(worst.key, 60)})`);
  }
  return parts.length ? parts.join('; ') : null;
}

/**
 * Makes `model.forward` check what it returns: a NaN, an infinity or a value beyond
 * EXPLODED_OUTPUT stops the work at the first network call, naming `where` (the checkpoint),
 * instead of a whole restoration ending in a NaN error or a garbage image.
 */
export function guardOutputs(model: DFT, where: string): void {
  const forward = model.forward.bind(model);
  model.forward = (inp: Tensor, t: Float32Array | number[]): Tensor => {
    const out = forward(inp, t);
    const d = out.data;
    let max = 0;
    let bad = false;
    for (let i = 0; i < d.length; i++) {
      const v = d[i] < 0 ? -d[i] : d[i];
      if (!(v <= EXPLODED_OUTPUT)) {
        max = v;
        bad = true;
        break;
      }
    }
    if (bad) {
      throw new NonFiniteError(`${where}: the network's output is ${Number.isNaN(max) ? 'NaN' : max === Infinity ? 'infinite' : `${max.toExponential(2)}, far beyond the noise it predicts`} : the checkpoint's weights are broken (diff-mamba info ${where} checks them)`);
    }
    return out;
  };
}

type Shapes = ReadonlyMap<string, { shape: readonly number[] }>;

function countBlocks(sd: Shapes, level: string): number {
  const ids = new Set<number>();
  for (const k of sd.keys()) {
    const m = new RegExp(`^${level}\\.(\\d+)\\.`).exec(k);
    if (m) ids.add(Number(m[1]));
  }
  return ids.size;
}

/**
 * Reads the network configuration off a state dict's keys and shapes (the authors' files
 * carry no config): widths, block counts, d_state, FFN width, norm type, biases.
 */
export function inferDFTConfig(sd: Shapes, where = 'checkpoint'): DFTConfig {
  const need = (k: string) => {
    const t = sd.get(k);
    if (!t) throw new ConfigError(`${where}: cannot infer the network configuration: key '${k}' is missing (is this a Diff-Mamba DFT checkpoint?)`);
    return t.shape;
  };
  const [dim, inp] = need('patch_embed.proj.weight');
  const [out] = need('output.weight');
  const numBlocks = ['encoder_level1', 'encoder_level2', 'encoder_level3', 'latent'].map((l) => countBlocks(sd, l)) as DFTConfig['num_blocks'];
  if (numBlocks.some((n) => n === 0)) throw new ConfigError(`${where}: a U-Net level has no blocks (found ${numBlocks.join(', ')})`);
  const dState = need('encoder_level1.0.self_attention.A_logs')[1];
  const hidden = need('encoder_level1.0.ffn.project_in.weight')[0] / 2;
  const factor = Math.trunc(dim * DEFAULT_DFT_CONFIG.ffn_expansion_factor) === hidden ? DEFAULT_DFT_CONFIG.ffn_expansion_factor : (hidden + 0.5) / dim;
  return resolveDFTConfig(
    {
      inp_channels: inp,
      out_channels: out,
      dim,
      num_blocks: numBlocks,
      ffn_expansion_factor: factor,
      LayerNorm_type: sd.has('encoder_level1.0.norm1.body.bias') ? 'WithBias' : 'BiasFree',
      bias: sd.has('output.bias'),
      dual_pixel_task: sd.has('skip_conv.weight'),
      d_state: dState,
    },
    where,
  );
}

export interface LoadedModel {
  model: DFT;
  config: DFTConfig;
  report: LoadReport;
  /** 'params_ema', 'params', … for wrapped .pth files. */
  sourceKey?: string;
  metadata: Record<string, string>;
  /** Same as model.dispose(): releases the weights and the native kernels' cached memory. */
  dispose(): void;
}

export interface LoadModelOptions {
  /** Top-level key of a wrapped .pth (default: params_ema, else params, else the bare state dict). */
  key?: string;
  /** Refuse any missing, unexpected or mis-shaped key (default true). */
  strict?: boolean;
  /** Use this network configuration instead of the file's metadata or the inferred one. */
  config?: Partial<DFTConfig>;
  /**
   * Check every network call's output (default true): NaN, infinite or exploded values
   * (beyond EXPLODED_OUTPUT) throw a NonFiniteError naming the checkpoint.
   */
  checkOutputs?: boolean;
}


/**
 * Builds a DFT from a state dict already in memory (`where` names it in messages): the
 * configuration from its metadata, else inferred from the shapes; strict by default, every
 * mismatching key reported at once. loadModel reads files into this; a page passes the
 * bytes of a safetensors file through loadModelFromBytes.
 */
export function modelFromStateDict(
  sd: { tensors: ReadonlyMap<string, StoredTensor>; metadata: Record<string, string>; sourceKey?: string },
  where: string,
  opts: LoadModelOptions = {},
): LoadedModel {
  const strict = opts.strict ?? true;
  const config = opts.config ? resolveDFTConfig(opts.config as Record<string, unknown>, `${where} (given config)`) : checkpointConfig(sd, where);
  // before anything is allocated: a strict load needs every parameter, so a file holding less
  // than half the values its config describes (empty tensors claiming dim 3000) is refused
  // here; a few missing keys are left to the load's report, which names them
  const needed = dftParameterCount(config);
  let held = 0;
  for (const t of sd.tensors.values()) held += t.data.length;
  if (strict && held < needed / 2) {
    throw new ConfigError(`${where}: the checkpoint holds ${held.toLocaleString('en-US')} values but its network (dim ${config.dim}, blocks [${config.num_blocks.join(', ')}]) has ${needed.toLocaleString('en-US')} parameters: it is incomplete or its shapes are damaged`);
  }
  // NaN/Inf, or magnitudes no trained DFT reaches (its weights stay within a few tens): a
  // network with such weights writes garbage images, so it is not built at all
  const bad = describeBadValues(findBadValues(sd.tensors, EXPLODED_WEIGHT));
  if (bad) throw new NonFiniteError(`${where}: the weights hold ${bad}; refusing to use them (diff-mamba info ${where} lists them)`);
  const model = new DFT(config);
  let report: LoadReport;
  try {
    report = model.loadStateDict(sd.tensors, strict);
  } catch (e) {
    model.dispose();
    // one line that names the file, the first few keys of each kind
    if (e instanceof StateDictError) e.message = `${where}: ${summarizeReport(e.report)}`;
    throw e;
  }
  if (opts.checkOutputs ?? true) guardOutputs(model, where);
  return { model, config, report, sourceKey: sd.sourceKey, metadata: sd.metadata, dispose: () => model.dispose() };
}

/** A DFT from the bytes of one of our safetensors files (a fetched bundled model, say); `name` appears in messages. */
export function loadModelFromBytes(bytes: Uint8Array, opts: LoadModelOptions & { name?: string } = {}): LoadedModel {
  const where = opts.name ?? 'safetensors bytes';
  return modelFromStateDict(parseSafetensors(bytes, where), where, opts);
}

/** A load report on one line: counts and the first keys of each kind (names from the file shown safely). */
export function summarizeReport(r: LoadReport): string {
  const some = (keys: readonly string[]) => keys.slice(0, 4).map((k) => showName(k, 60)).join(', ') + (keys.length > 4 ? `, … ${keys.length - 4} more` : '');
  const parts: string[] = [];
  if (r.missing.length) parts.push(`${r.missing.length} missing key${r.missing.length > 1 ? 's' : ''} (${some(r.missing)})`);
  if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected key${r.unexpected.length > 1 ? 's' : ''} (${some(r.unexpected)})`);
  if (r.wrongShape.length) {
    const w = r.wrongShape[0];
    parts.push(`${r.wrongShape.length} of the wrong shape (${showName(w.key, 60)} is [${w.got.join(', ')}], the network needs [${w.expected.join(', ')}]${r.wrongShape.length > 1 ? ', …' : ''})`);
  }
  return `the weights do not fit the network: ${parts.join('; ')} (diff-mamba info lists them all)`;
}

/** The network configuration of a loaded state dict: its metadata's, else inferred from the shapes. */
export function checkpointConfig(sd: { metadata: Record<string, string>; tensors: Shapes }, path: string): DFTConfig {
  if (!sd.metadata.config) return inferDFTConfig(sd.tensors, path);
  let raw: unknown;
  try {
    raw = JSON.parse(sd.metadata.config);
  } catch {
    throw new ConfigError(`${path}: the metadata 'config' is not valid JSON (the file is damaged)`);
  }
  return resolveDFTConfig(pickDFTConfig(raw as Record<string, unknown>), `${path} metadata config`);
}

