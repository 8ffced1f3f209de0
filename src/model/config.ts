import type { LayerNormType } from '../nn/index.js';
import { limit, showValue } from '../io/limits.js';

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
  /**
   * Our extension. false (the authors' code, the default): the network returns ε̂ (its output plus
   * x_t). true: it returns the clean image's residual over the degraded one, x̂0 = lq + output, and
   * the sampler derives ε̂ from it (src/diffusion/predictor.ts), so leaving a photo as it is costs
   * the network nothing.
   */
  predict_residual: boolean;
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
  predict_residual: false,
};

/** Keys of `network_g` we read, plus those the authors' files carry and their model ignores. */
const KNOWN = new Set([...Object.keys(DEFAULT_DFT_CONFIG), 'type', 'heads', 'ffn_factor']);

/** Keeps only network_g keys (metadata may carry extras such as num_params). */
export function pickDFTConfig(raw: Record<string, unknown>): Record<string, unknown> {
  // anything but a mapping goes through as it is, for resolveDFTConfig to refuse with its source's name
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => KNOWN.has(k)));
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Bounds of a network configuration, checked before anything is allocated. Far beyond any
 * model a CPU can train or run (the authors': dim 48, blocks [4, 6, 6, 8], d_state 32), they
 * stop a damaged or hostile config from asking for terabytes; the parameter count has its own
 * limit (DIFF_MAMBA_MAX_PARAMETERS, docs/limits.md).
 */
export const CONFIG_BOUNDS = {
  channels: 64,
  dim: 1024,
  blocks: 64,
  dState: 256,
  ffnExpansionFactor: 16,
} as const;

/**
 * The number of parameters a DFT of this configuration has (what `new DFT(cfg).parameterCount()`
 * gives), computed without building it.
 */
export function dftParameterCount(cfg: DFTConfig): number {
  const K = 4;
  const ln = (c: number) => (cfg.LayerNorm_type === 'WithBias' ? 2 * c : c);
  const ss2d = (dm: number) => {
    const di = 2 * dm;
    const r = Math.ceil(dm / 16);
    const n = cfg.d_state;
    return K * (r + 2 * n) * di + K * di * r + K * di + K * di * n + K * di + dm * 2 * di + di * 9 + di + 2 * di + di * dm;
  };
  const ffn = (c: number) => {
    const h = Math.trunc(c * cfg.ffn_expansion_factor);
    return c * 2 * h + 2 * h + 2 * h * 9 + 2 * h + h * c + c;
  };
  const dtb = (c: number) => 2 * ln(c) + ss2d(c) + ffn(c);
  const level = (c: number, n: number) => n * dtb(c);
  const d = cfg.dim;
  const b = cfg.bias ? 1 : 0;
  const [n1, n2, n3, n4] = cfg.num_blocks;
  let total = cfg.inp_channels * d * 9;
  total += level(d, n1) + level(2 * d, n2) + level(4 * d, n3) + level(8 * d, n4);
  total += 9 * (d * (d / 2) + 2 * d * d + 4 * d * 2 * d); // down1_2, down2_3, down3_4
  total += 9 * (8 * d * 16 * d + 4 * d * 8 * d + 2 * d * 4 * d); // up4_3, up3_2, up2_1
  total += 8 * d * 4 * d + b * 4 * d + 4 * d * 2 * d + b * 2 * d; // reduce_chan_level3, reduce_chan_level2
  total += level(4 * d, n3) + level(2 * d, n2) + level(2 * d, n1); // decoder levels
  if (cfg.dual_pixel_task) total += d * 2 * d + b * 2 * d;
  total += 2 * d * cfg.out_channels * 9 + b * cfg.out_channels;
  return total;
}

/** Fills defaults and validates a `network_g`-like object; `where` names its source in errors. */
export function resolveDFTConfig(raw: Record<string, unknown> = {}, where = 'network_g'): DFTConfig {
  // 'network_g.dim …' for an option file, '<file>: network_g.dim …' for a checkpoint
  const at = (k: string) => (where === 'network_g' ? `network_g.${k}` : `${where}: network_g.${k}`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${where}: the network configuration must be a mapping of keys, got ${showValue(raw)}`);
  const unknown = Object.keys(raw).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw new ConfigError(`${where}: unknown keys ${unknown.slice(0, 5).map((k) => showValue(k)).join(', ')}${unknown.length > 5 ? ', …' : ''} (known: ${[...KNOWN].join(', ')})`);
  if (raw.type !== undefined && raw.type !== 'DFT') throw new ConfigError(`${at('type')}: only 'DFT' is supported, got ${showValue(raw.type)}`);
  const cfg = { ...DEFAULT_DFT_CONFIG, ...raw } as DFTConfig & { type?: string };
  delete cfg.type;
  delete cfg.heads;
  delete cfg.ffn_factor;
  const posInt = (k: keyof DFTConfig, max: number) => {
    const v = cfg[k];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) throw new ConfigError(`${at(k)} must be an integer from 1 to ${max}, got ${showValue(v)}`);
  };
  posInt('inp_channels', CONFIG_BOUNDS.channels);
  posInt('out_channels', CONFIG_BOUNDS.channels);
  posInt('dim', CONFIG_BOUNDS.dim);
  posInt('d_state', CONFIG_BOUNDS.dState);
  if (cfg.dim % 2 !== 0) throw new ConfigError(`${at('dim')} must be even (the first down-sampling halves the channels), got ${cfg.dim}`);
  if (!Array.isArray(cfg.num_blocks) || cfg.num_blocks.length !== 4 || !cfg.num_blocks.every((n) => Number.isInteger(n) && n >= 1 && n <= CONFIG_BOUNDS.blocks)) {
    throw new ConfigError(`${at('num_blocks')} must be four integers from 1 to ${CONFIG_BOUNDS.blocks}, got ${showValue(cfg.num_blocks)}`);
  }
  const f = cfg.ffn_expansion_factor;
  if (typeof f !== 'number' || !(f > 0) || !(f <= CONFIG_BOUNDS.ffnExpansionFactor)) {
    throw new ConfigError(`${at('ffn_expansion_factor')} must be a number in (0, ${CONFIG_BOUNDS.ffnExpansionFactor}], got ${showValue(f)}`);
  }
  if (Math.trunc(cfg.dim * f) < 1) {
    throw new ConfigError(`${at('ffn_expansion_factor')} ${f} leaves the feed-forward layers of dim ${cfg.dim} no hidden channels (dim × factor must be at least 1)`);
  }
  if (cfg.LayerNorm_type !== 'WithBias' && cfg.LayerNorm_type !== 'BiasFree') {
    throw new ConfigError(`${at('LayerNorm_type')} must be 'WithBias' or 'BiasFree', got ${showValue(cfg.LayerNorm_type)}`);
  }
  if (typeof cfg.bias !== 'boolean') throw new ConfigError(`${at('bias')} must be true or false`);
  if (typeof cfg.dual_pixel_task !== 'boolean') throw new ConfigError(`${at('dual_pixel_task')} must be true or false`);
  if (typeof cfg.residual_from_input !== 'boolean') throw new ConfigError(`${at('residual_from_input')} must be true or false`);
  if (typeof cfg.predict_residual !== 'boolean') throw new ConfigError(`${at('predict_residual')} must be true or false`);
  if (cfg.predict_residual && (cfg.dual_pixel_task || cfg.inp_channels !== 2 * cfg.out_channels)) {
    throw new ConfigError(`${at('predict_residual')} needs the input cat[lq, x_t] of two ${cfg.out_channels}-channel images (inp_channels ${2 * cfg.out_channels}, no dual_pixel_task)`);
  }
  if (!cfg.dual_pixel_task && cfg.inp_channels < cfg.out_channels) {
    throw new ConfigError(`${where}: inp_channels (${cfg.inp_channels}) must include the ${cfg.out_channels} x_t channels added back to the output`);
  }
  const params = dftParameterCount(cfg);
  const maxParams = limit('maxParameters');
  if (params > maxParams) {
    throw new ConfigError(`${where}: this network would have ${params.toLocaleString('en-US')} parameters (${(params * 4 / 2 ** 30).toFixed(1)} GiB), over the limit of ${maxParams.toLocaleString('en-US')} (DIFF_MAMBA_MAX_PARAMETERS; docs/limits.md)`);
  }
  return cfg;
}
