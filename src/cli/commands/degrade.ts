import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { makePairs } from '../../degrade/index.js';
import { makePresetPairs, PRESET_NAMES, RECORDS_FILE, SPLITS, type PresetName, type Split } from '../../degrade/blind/index.js';
import { fail } from '../progress.js';
import { checkOutputFolder, intFlag, MAX_PIXELS_HELP, maxPixelsFlag } from './flags.js';

function range(v: string | undefined, name: string): number | [number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(/[,:]/).map(Number);
  if (parts.some((p) => !Number.isFinite(p)) || parts.length > 2) fail(`--${name} must be a number or a range lo,hi; got '${v}'`);
  return parts.length === 2 ? [parts[0], parts[1]] : parts[0];
}

export function registerDegrade(program: Command): void {
  program
    .command('degrade')
    .description('make pairs (<out>/input, <out>/target) from clean photos: one generator (--type noise|blur|rain) or a task preset of randomised degradation families (--preset denoise|derain|deblur, docs/degradations.md)')
    .argument('<clean>', 'folder of clean images')
    .requiredOption('-o, --output <dir>', 'output root (input/ and target/ are created)')
    .option('--type <type>', 'noise, blur or rain (one generator; its ranges below)')
    .option('--preset <task>', `a blind-degradation preset: ${PRESET_NAMES.join(', ')}; writes ${RECORDS_FILE} (file, family, parameters per pair)`)
    .option('--split <split>', `with --preset: ${SPLITS.join(' or ')} (families never drawn in training, for validation)`, 'train')
    .option('--clean-fraction <f>', 'with --preset: share of pairs left clean (input = target)', '0')
    .option('--sigma <s>', 'noise: σ on the 0–255 scale, or a range lo,hi drawn per image', '25')
    .option('--length <px>', 'blur / rain: streak length (or range)')
    .option('--angle <deg>', 'blur / rain: angle in degrees (or range)')
    .option('--density <d>', 'rain: streak density (or range)')
    .option('--width <px>', 'rain: streak width (or range)')
    .option('--brightness <b>', 'rain: streak brightness (or range)')
    .option('--patch <px>', 'also crop each image to a random (seeded) patch of this size')
    .option('--seed <s>', 'seed (the same seed gives the same pairs)', '0')
    .option('--force', 'overwrite existing pairs')
    .option('--max-pixels <n>', MAX_PIXELS_HELP)
    .action(async (clean: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const fromCli = (k: string) => cmd.getOptionValueSource(k) === 'cli';
      // flags, the clean folder and the output folder before any image is read
      const maxPixels = maxPixelsFlag(o.maxPixels as string | undefined);
      const seedValue = intFlag('seed', o.seed as string, 0);
      if (o.patch !== undefined) intFlag('patch', o.patch as string, 8, 65536);
      if (!existsSync(clean)) fail(`${clean}: no such folder of clean images`);
      if (!statSync(clean).isDirectory()) fail(`${clean} is a file; give the folder that holds the clean images`);
      checkOutputFolder('--output', o.output as string);
      if (o.preset !== undefined) {
        if (o.type !== undefined) fail('give --type or --preset, not both');
        const preset = o.preset as string;
        if (!(PRESET_NAMES as readonly string[]).includes(preset)) fail(`--preset must be ${PRESET_NAMES.join(', ')}; got '${preset}'`);
        const split = o.split as string;
        if (!(SPLITS as readonly string[]).includes(split)) fail(`--split must be ${SPLITS.join(' or ')}; got '${split}'`);
        const given = ['sigma', 'length', 'angle', 'density', 'width', 'brightness'].filter(fromCli);
        if (given.length) fail(`--${given[0]} is for --type; a preset draws its own ranges (docs/degradations.md)`);
        const cleanFraction = Number(o.cleanFraction);
        if (!(cleanFraction >= 0 && cleanFraction < 1)) fail(`--clean-fraction must be a number in [0, 1); got '${o.cleanFraction}'`);
        const seed = Number(o.seed);
        if (!Number.isInteger(seed)) fail(`--seed must be an integer; got '${o.seed}'`);
        const patch = o.patch ? Number(o.patch) : undefined;
        if (patch !== undefined && !(Number.isInteger(patch) && patch > 0)) fail(`--patch must be a positive integer; got '${o.patch}'`);
        const r = await makePresetPairs(clean, o.output as string, { preset: preset as PresetName, split: split as Split, cleanFraction, seed, patch, force: !!o.force, maxPixels });
        console.log(`wrote ${r.written.length} pair(s) to ${o.output} (${preset} ${split}; parameters in ${RECORDS_FILE})${r.skipped.length ? `; skipped ${r.skipped.length}: ${r.skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}` : ''}`);
        return;
      }
      const type = o.type as string | undefined;
      if (type === undefined) fail('give --type noise|blur|rain or --preset denoise|derain|deblur');
      if (!['noise', 'blur', 'rain'].includes(type)) fail(`--type must be noise, blur or rain; got '${type}'`);
      for (const k of ['split', 'cleanFraction']) if (fromCli(k)) fail(`--${k === 'split' ? 'split' : 'clean-fraction'} is for --preset`);
      const spec = Object.fromEntries(Object.entries({
        type: type as 'noise' | 'blur' | 'rain',
        sigma: range(o.sigma as string, 'sigma'),
        length: range(o.length as string | undefined, 'length'),
        angle: range(o.angle as string | undefined, 'angle'),
        density: range(o.density as string | undefined, 'density'),
        width: range(o.width as string | undefined, 'width'),
        brightness: range(o.brightness as string | undefined, 'brightness'),
        patch: o.patch ? Number(o.patch) : undefined,
        seed: seedValue,
        force: !!o.force,
        maxPixels,
      }).filter(([, v]) => v !== undefined));
      const r = await makePairs(clean, o.output as string, spec as unknown as Parameters<typeof makePairs>[2]);
      console.log(`wrote ${r.written.length} pair(s) to ${o.output}${r.skipped.length ? `; skipped ${r.skipped.length}: ${r.skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}` : ''}`);
    });
}
