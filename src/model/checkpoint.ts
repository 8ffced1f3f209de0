// Models on disk: loading a checkpoint file (.pth or safetensors) and saving one. Building the
// network from weights in memory is model/weights.ts, which this re-exports.
import { existsSync } from 'node:fs';
import { OutputExistsError } from '../io/output-exists.js';
import { loadStateDict } from '../io/state-dict.js';
import { serializeSafetensors } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { basicsrCheckpoint, serializePth } from '../io/pth/save.js';
import { modelFromStateDict, type LoadModelOptions, type LoadedModel } from './weights.js';
import type { DFTConfig } from './config.js';

export * from './weights.js';

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
  return modelFromStateDict(loadStateDict(path, { key: opts.key }), path, opts);
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
