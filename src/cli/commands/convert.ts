import type { Command } from 'commander';
import { loadModel, saveModel } from '../../model/checkpoint.js';
import { describeReport } from '../../nn/module.js';

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert a PyTorch .pth (BasicSR layout or bare state dict) or safetensors checkpoint to our safetensors format')
    .argument('<input>', 'checkpoint to read (.pth / .pt / .safetensors)')
    .argument('<output>', 'safetensors file to write')
    .option('--key <key>', 'top-level key of a .pth checkpoint (default: params_ema, else params)')
    .option('--strict <bool>', 'refuse keys that do not fit the network (true/false)', 'true')
    .option('--force', 'overwrite the output if it exists')
    .action((input: string, output: string, o: { key?: string; strict: string; force?: boolean }) => {
      const strict = o.strict !== 'false';
      const { model, config, report, sourceKey } = loadModel(input, { key: o.key, strict });
      if (!strict && (report.missing.length || report.unexpected.length || report.wrongShape.length)) process.stderr.write(`${describeReport(report)}\n`);
      saveModel(model.stateDict(), config, output, { overwrite: !!o.force, metadata: { source: input, ...(sourceKey ? { source_key: sourceKey } : {}) } });
      console.log(`wrote ${output}: ${model.namedParameters().length} tensors, ${model.parameterCount().toLocaleString('en-US')} parameters${sourceKey ? ` (from '${sourceKey}')` : ''}`);
    });
}
