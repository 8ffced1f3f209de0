import { existsSync, renameSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { OutputExistsError } from '../io/output-exists.js';
import { dirname } from 'node:path';
import { loadStateDict } from '../io/state-dict.js';
import { serializeSafetensors } from '../io/safetensors.js';
import { basicsrCheckpoint, serializePth } from '../io/pth/save.js';
import type { LoadReport } from '../nn/module.js';
import { DFT } from './dft.js';
import { ConfigError, DEFAULT_DFT_CONFIG, pickDFTConfig, resolveDFTConfig, type DFTConfig } from './config.js';

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
}

export interface SaveModelOptions {
  /** Extra `__metadata__` entries (strings). */
  metadata?: Record<string, string>;
  /** Replace an existing file (default false: an existing file is an error). */
  overwrite?: boolean;
}

/**
 * Loads a DFT from a PyTorch .pth (BasicSR layout or bare state dict; `params_ema` by default)
 * or one of our safetensors files. The configuration comes from the file's metadata, else it
 * is inferred from the shapes. Strict by default: every mismatching key is reported at once.
 */
export function loadModel(path: string, opts: LoadModelOptions = {}): LoadedModel {
  const sd = loadStateDict(path, { key: opts.key });
  let config: DFTConfig;
  if (opts.config) config = resolveDFTConfig(opts.config as Record<string, unknown>, `${path} (given config)`);
  else if (sd.metadata.config) {
    let raw: unknown;
    try {
      raw = JSON.parse(sd.metadata.config);
    } catch {
      throw new ConfigError(`${path}: the metadata 'config' is not valid JSON`);
    }
    config = resolveDFTConfig(pickDFTConfig(raw as Record<string, unknown>), `${path} metadata config`);
  } else config = inferDFTConfig(sd.tensors, path);
  const model = new DFT(config);
  const report = model.loadStateDict(sd.tensors, opts.strict ?? true);
  return { model, config, report, sourceKey: sd.sourceKey, metadata: sd.metadata, dispose: () => model.dispose() };
}

/** Writes bytes to `path` through a temporary file and a rename, so a crash never leaves half a file. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
}

/**
 * Saves the weights under the official key names (loadable by
 * `model.load_state_dict(safetensors.torch.load_file(f))`), with the config and any training
 * metadata in `__metadata__`. Refuses to replace an existing file unless `overwrite`.
 */
export function saveModel(tensors: Iterable<[string, StoredTensorLike]>, config: DFTConfig, path: string, opts: SaveModelOptions = {}): void {
  if (!opts.overwrite && existsSync(path)) throw new OutputExistsError([path]);
  const metadata = { format: 'diff-mamba', config: JSON.stringify(config), ...(opts.metadata ?? {}) };
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/**
 * Saves the weights as a torch.save file in BasicSR's layout, `{'params': sd, 'params_ema': sd}`
 * (the same weights under both keys unless `paramsEma` is given), which the authors' code loads
 * with `path.pretrain_network_g` and `torch.load(f, weights_only=True)` accepts. The config and
 * metadata go in a top-level string dict (see PTH_METADATA_KEY) that BasicSR ignores and
 * loadModel reads back. Same overwrite rule as saveModel.
 */
export function saveModelPth(
  tensors: Iterable<[string, StoredTensorLike]>,
  config: DFTConfig,
  path: string,
  opts: { paramsEma?: Iterable<[string, StoredTensorLike]>; metadata?: Record<string, string>; overwrite?: boolean } = {},
): void {
  if (!opts.overwrite && existsSync(path)) throw new OutputExistsError([path]);
  const metadata = { format: 'diff-mamba', config: JSON.stringify(config), ...(opts.metadata ?? {}) };
  writeFileAtomic(path, serializePth(basicsrCheckpoint(tensors, { paramsEma: opts.paramsEma, metadata })));
}

export interface StoredTensorLike {
  shape: readonly number[];
  data: Float32Array;
}
