import type { Command } from 'commander';
import { loadStateDict } from '../../io/state-dict.js';
import { DFT } from '../../model/dft.js';
import { inferDFTConfig } from '../../model/checkpoint.js';
import { pickDFTConfig, resolveDFTConfig, type DFTConfig } from '../../model/config.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show a checkpoint: network config, parameter count, and keys missing or unexpected for that config')
    .argument('<checkpoint>', '.pth / .pt / .safetensors file')
    .option('--key <key>', 'top-level key of a .pth checkpoint')
    .option('--json', 'print JSON')
    .action((path: string, o: { key?: string; json?: boolean }) => {
      const sd = loadStateDict(path, { key: o.key });
      const config: DFTConfig = sd.metadata.config ? resolveDFTConfig(pickDFTConfig(JSON.parse(sd.metadata.config)), `${path} metadata`) : inferDFTConfig(sd.tensors, path);
      const report = new DFT(config).checkStateDict(sd.tensors);
      const params = [...sd.tensors.values()].reduce((a, t) => a + t.data.length, 0);
      const info = {
        file: path,
        format: sd.format,
        sourceKey: sd.sourceKey ?? null,
        availableKeys: sd.availableKeys,
        config,
        tensors: sd.tensors.size,
        parameters: params,
        missing: report.missing,
        unexpected: report.unexpected,
        wrongShape: report.wrongShape,
        metadata: Object.fromEntries(Object.entries(sd.metadata).filter(([k]) => k !== 'config')),
      };
      if (o.json) {
        console.log(JSON.stringify(info, null, 2));
        return;
      }
      console.log(`${path} (${sd.format}${sd.sourceKey ? `, state dict '${sd.sourceKey}'` : ''}${sd.availableKeys.length ? `; keys: ${sd.availableKeys.join(', ')}` : ''})`);
      console.log(`network_g: ${JSON.stringify(config)}`);
      console.log(`tensors: ${sd.tensors.size}, parameters: ${params.toLocaleString('en-US')}`);
      for (const [k, v] of Object.entries(info.metadata)) console.log(`${k}: ${v}`);
      console.log(report.missing.length ? `missing for this config (${report.missing.length}): ${report.missing.join(', ')}` : 'missing keys: none');
      console.log(report.unexpected.length ? `unexpected (${report.unexpected.length}): ${report.unexpected.join(', ')}` : 'unexpected keys: none');
      for (const w of report.wrongShape) console.log(`wrong shape: ${w.key} is [${w.got.join(', ')}], expected [${w.expected.join(', ')}]`);
    });
}
