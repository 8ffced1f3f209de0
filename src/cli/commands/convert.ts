import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { loadModel, saveModel, saveModelPth, type LoadedModel } from '../../model/checkpoint.js';
import { detectCheckpointFormat, loadStateDict } from '../../io/state-dict.js';
import type { DFTConfig } from '../../model/config.js';
import { describeReport } from '../../nn/module.js';
import { OutputExistsError } from '../../io/output-exists.js';
import { checkOutputFolder, UsageError } from './flags.js';

type Target = 'safetensors' | 'pth';

/** `--to`, else the output's extension: .pth / .pt → pth, anything else → safetensors. */
export function convertTarget(output: string, to: string | undefined): Target {
  if (to === undefined) return ['.pth', '.pt'].includes(extname(output).toLowerCase()) ? 'pth' : 'safetensors';
  if (to !== 'pth' && to !== 'safetensors') throw new UsageError(`--to must be pth or safetensors, got '${to}'`);
  return to;
}

/** True when both paths name one file (the same path, or a link to it). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  if (!existsSync(a) || !existsSync(b)) return false;
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/** What the authors' DFT cannot build or computes differently (its constructor takes none of these). */
export function authorsCodeDifferences(c: DFTConfig): string[] {
  const out: string[] = [];
  if (c.d_state !== 32) out.push(`d_state is ${c.d_state}; the authors' DTB always uses 32, so their strict load will fail on the SS2D shapes`);
  if (Math.trunc(c.dim * c.ffn_expansion_factor) !== Math.trunc(c.dim * 2.66)) out.push(`ffn_expansion_factor is ${c.ffn_expansion_factor}; the authors' DTB always uses 2.66, so their strict load will fail on the FFN shapes`);
  if (c.residual_from_input) out.push("residual_from_input is true; the authors' DTB adds its residual to the normalised input, so their code will load these weights but compute a different network");
  if (c.predict_residual) out.push("predict_residual is true; the authors' network returns ε̂ (its output plus x_t), so their sampler will load these weights but restore nothing sensible");
  return out;
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description("convert a checkpoint: .pth (BasicSR layout or bare state dict) or safetensors in; our safetensors, or a torch.save .pth in BasicSR's layout for the authors' PyTorch code, out")
    .argument('<input>', 'checkpoint to read (.pth / .pt / .safetensors)')
    .argument('<output>', 'file to write (.safetensors, or .pth / .pt with --to pth)')
    .option('--to <format>', 'safetensors or pth (default: pth when the output ends in .pth or .pt, else safetensors)')
    .option('--key <key>', 'top-level key of a .pth checkpoint (default: params_ema, else params; with --to pth and no --key, a file holding both keeps both)')
    .option('--strict <bool>', 'refuse keys that do not fit the network (true/false)', 'true')
    .option('--force', 'overwrite the output if it exists (never the input)')
    .action((input: string, output: string, o: { to?: string; key?: string; strict: string; force?: boolean }) => {
      const target = convertTarget(output, o.to);
      if (o.strict !== 'true' && o.strict !== 'false') throw new UsageError(`--strict must be true or false, got '${o.strict}'`);
      if (!existsSync(input)) throw new UsageError(`${input}: no such checkpoint file`);
      if (sameFile(input, output)) throw new UsageError(`${output} is the input file; refusing to overwrite it, even with --force (write to another file)`);
      if (existsSync(output) && statSync(output).isDirectory()) throw new UsageError(`${output} is a folder; give the file to write`);
      if (!o.force && existsSync(output)) throw new OutputExistsError([output]);
      checkOutputFolder('the output folder', dirname(resolve(output)));
      const strict = o.strict !== 'false';
      const load = (key: string | undefined): LoadedModel => {
        const m = loadModel(input, { key, strict });
        if (!strict && (m.report.missing.length || m.report.unexpected.length || m.report.wrongShape.length)) process.stderr.write(`${describeReport(m.report)}\n`);
        return m;
      };
      const summary = ({ model }: LoadedModel) => `${model.namedParameters().length} tensors, ${model.parameterCount().toLocaleString('en-US')} parameters`;

      if (target === 'safetensors') {
        const m = load(o.key);
        saveModel(m.model.stateDict(), m.config, output, { overwrite: !!o.force, metadata: { source: input, ...(m.sourceKey ? { source_key: m.sourceKey } : {}) } });
        console.log(`wrote ${output}: ${summary(m)}${m.sourceKey ? ` (from '${m.sourceKey}')` : ''}`);
        return;
      }

      // BasicSR's layout: both keys. A .pth that has both keeps both; anything else gives its one state dict to both.
      const keys = o.key === undefined && detectCheckpointFormat(input) === 'pth' ? loadStateDict(input).availableKeys : [];
      const both = keys.includes('params') && keys.includes('params_ema');
      const ema = load(both ? 'params_ema' : o.key);
      const plain = both ? load('params') : null;
      if (plain && JSON.stringify(plain.config) !== JSON.stringify(ema.config)) {
        throw new UsageError(`${input}: 'params' and 'params_ema' describe different networks; pick one with --key`);
      }
      for (const w of authorsCodeDifferences(ema.config)) process.stderr.write(`warning: ${w}\n`);
      const metadata: Record<string, string> = { source: input, ...(!both && ema.sourceKey ? { source_key: ema.sourceKey } : {}) };
      saveModelPth(plain ? plain.model.stateDict() : ema.model.stateDict(), ema.config, output, { paramsEma: plain ? ema.model.stateDict() : undefined, metadata, overwrite: !!o.force });
      const from = both ? " (params and params_ema from the input's own)" : ` (params and params_ema both from ${ema.sourceKey ? `'${ema.sourceKey}'` : 'the input'})`;
      console.log(`wrote ${output}: ${summary(ema)}${from}`);
    });
}
