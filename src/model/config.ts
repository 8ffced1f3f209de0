import type { LayerNormType } from '../nn/index.js';

/** The authors' `network_g` section (type DFT). `heads` and `ffn_factor` are accepted and unused, as in their code. */
export interface DFTConfig {
  inp_channels: number;
  out_channels: number;
  dim: number;
  num_blocks: [number, number, number, number];
  ffn_expansion_factor: number;
  LayerNorm_type: LayerNormType;
  bias: boolean;
  dual_pixel_task: boolean;
  d_state: number;
  /**
   * Our extension. false (the authors' code, the default): each DTB's residual stream is its
   * LayerNorm-ed input, so every block re-normalises the features and the per-pixel scale is lost
   * (SPEC §5). true: the residual is the block input itself, as in Restormer's blocks.
   */
  residual_from_input: boolean;
  heads?: number[];
  ffn_factor?: number;
}

export const DEFAULT_DFT_CONFIG: DFTConfig = {
  inp_channels: 6,
  out_channels: 3,
  dim: 48,
  num_blocks: [4, 6, 6, 8],
  ffn_expansion_factor: 2.66,
  LayerNorm_type: 'WithBias',
  bias: false,
  dual_pixel_task: false,
  d_state: 32,
  residual_from_input: false,
};

/** Keys of `network_g` we read, plus those the authors' files carry and their model ignores. */
const KNOWN = new Set([...Object.keys(DEFAULT_DFT_CONFIG), 'type', 'heads', 'ffn_factor']);

/** Keeps only network_g keys (metadata may carry extras such as num_params). */
export function pickDFTConfig(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([k]) => KNOWN.has(k)));
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Fills defaults and validates a `network_g`-like object; `where` names its source in errors. */
export function resolveDFTConfig(raw: Record<string, unknown> = {}, where = 'network_g'): DFTConfig {
  const unknown = Object.keys(raw).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw new ConfigError(`${where}: unknown keys ${unknown.join(', ')} (known: ${[...KNOWN].join(', ')})`);
  if (raw.type !== undefined && raw.type !== 'DFT') throw new ConfigError(`${where}.type: only 'DFT' is supported, got ${JSON.stringify(raw.type)}`);
  const cfg = { ...DEFAULT_DFT_CONFIG, ...raw } as DFTConfig & { type?: string };
  delete cfg.type;
  delete cfg.heads;
  delete cfg.ffn_factor;
  const posInt = (k: keyof DFTConfig) => {
    const v = cfg[k];
    if (!Number.isInteger(v) || (v as number) < 1) throw new ConfigError(`${where}.${k} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  posInt('inp_channels');
  posInt('out_channels');
  posInt('dim');
  posInt('d_state');
  if (!Array.isArray(cfg.num_blocks) || cfg.num_blocks.length !== 4 || !cfg.num_blocks.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new ConfigError(`${where}.num_blocks must be four positive integers, got ${JSON.stringify(cfg.num_blocks)}`);
  }
  if (typeof cfg.ffn_expansion_factor !== 'number' || !(cfg.ffn_expansion_factor > 0)) {
    throw new ConfigError(`${where}.ffn_expansion_factor must be a positive number, got ${JSON.stringify(cfg.ffn_expansion_factor)}`);
  }
  if (cfg.LayerNorm_type !== 'WithBias' && cfg.LayerNorm_type !== 'BiasFree') {
    throw new ConfigError(`${where}.LayerNorm_type must be 'WithBias' or 'BiasFree', got ${JSON.stringify(cfg.LayerNorm_type)}`);
  }
  if (typeof cfg.bias !== 'boolean') throw new ConfigError(`${where}.bias must be true or false`);
  if (typeof cfg.dual_pixel_task !== 'boolean') throw new ConfigError(`${where}.dual_pixel_task must be true or false`);
  if (typeof cfg.residual_from_input !== 'boolean') throw new ConfigError(`${where}.residual_from_input must be true or false`);
  if (!cfg.dual_pixel_task && cfg.inp_channels < cfg.out_channels) {
    throw new ConfigError(`${where}: inp_channels (${cfg.inp_channels}) must include the ${cfg.out_channels} x_t channels added back to the output`);
  }
  return cfg;
}
