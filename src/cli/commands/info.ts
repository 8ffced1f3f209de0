import type { Command } from 'commander';
import { loadStateDict } from '../../io/state-dict.js';
import { DFT } from '../../model/dft.js';
import { checkpointConfig, describeBadValues, EXPLODED_WEIGHT, findBadValues } from '../../model/checkpoint.js';
import { dftParameterCount, type DFTConfig } from '../../model/config.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show a checkpoint: network config, parameter count, keys missing or unexpected for that config, and NaN/infinite or exploded weights')
    .argument('<checkpoint>', '.pth / .pt / .safetensors file')
    .option('--key <key>', 'top-level key of a .pth checkpoint')
    .option('--json', 'print JSON')
    .action((path: string, o: { key?: string; json?: boolean }) => {
      const sd = loadStateDict(path, { key: o.key });
      const config: DFTConfig = checkpointConfig(sd, path);
      const params = [...sd.tensors.values()].reduce((a, t) => a + t.data.length, 0);
      const needed = dftParameterCount(config);
      // the key check builds the network: only when the file holds a fair share of what it describes
      const report = params >= needed / 2 ? new DFT(config).checkStateDict(sd.tensors) : null;
      const bad = findBadValues(sd.tensors, EXPLODED_WEIGHT);
      const weights = describeBadValues(bad);
      const info = {
        file: path,
        format: sd.format,
        sourceKey: sd.sourceKey ?? null,
        availableKeys: sd.availableKeys,
        config,
        tensors: sd.tensors.size,
        parameters: params,
        networkParameters: needed,
        missing: report?.missing ?? null,
        unexpected: report?.unexpected ?? null,
        wrongShape: report?.wrongShape ?? null,
        nonFinite: bad.nonFinite,
        exploded: bad.exploded,
        metadata: Object.fromEntries(Object.entries(sd.metadata).filter(([k]) => k !== 'config')),
      };
      if (o.json) {
        console.log(JSON.stringify(info, null, 2));
      } else {
        console.log(`${path} (${sd.format}${sd.sourceKey ? `, state dict '${sd.sourceKey}'` : ''}${sd.availableKeys.length ? `; keys: ${sd.availableKeys.join(', ')}` : ''})`);
        console.log(`network_g: ${JSON.stringify(config)}`);
        console.log(`tensors: ${sd.tensors.size}, parameters: ${params.toLocaleString('en-US')}`);
        for (const [k, v] of Object.entries(info.metadata)) console.log(`${k}: ${v}`);
        if (!report) {
          console.log(`keys not checked: the file holds ${params.toLocaleString('en-US')} values, the network it describes has ${needed.toLocaleString('en-US')} parameters (incomplete or damaged)`);
        } else {
          console.log(report.missing.length ? `missing for this config (${report.missing.length}): ${report.missing.join(', ')}` : 'missing keys: none');
          console.log(report.unexpected.length ? `unexpected (${report.unexpected.length}): ${report.unexpected.join(', ')}` : 'unexpected keys: none');
          for (const w of report.wrongShape) console.log(`wrong shape: ${w.key} is [${w.got.join(', ')}], expected [${w.expected.join(', ')}]`);
        }
        console.log(weights ? `weights: BROKEN: ${weights}` : 'weights: all finite');
      }
      if (bad.nonFinite.length || bad.exploded.length || !report) process.exitCode = 1;
    });
}
