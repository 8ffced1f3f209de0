import type { Command } from 'commander';
import { makePairs } from '../../degrade/index.js';
import { fail } from '../progress.js';

function range(v: string | undefined, name: string): number | [number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(/[,:]/).map(Number);
  if (parts.some((p) => !Number.isFinite(p)) || parts.length > 2) fail(`--${name} must be a number or a range lo,hi; got '${v}'`);
  return parts.length === 2 ? [parts[0], parts[1]] : parts[0];
}

export function registerDegrade(program: Command): void {
  program
    .command('degrade')
    .description('make training pairs (<out>/input, <out>/target) from clean photos: Gaussian noise, motion blur or synthetic rain')
    .argument('<clean>', 'folder of clean images')
    .requiredOption('-o, --output <dir>', 'output root (input/ and target/ are created)')
    .requiredOption('--type <type>', 'noise, blur or rain')
    .option('--sigma <s>', 'noise: σ on the 0–255 scale, or a range lo,hi drawn per image', '25')
    .option('--length <px>', 'blur / rain: streak length (or range)')
    .option('--angle <deg>', 'blur / rain: angle in degrees (or range)')
    .option('--density <d>', 'rain: streak density (or range)')
    .option('--width <px>', 'rain: streak width (or range)')
    .option('--brightness <b>', 'rain: streak brightness (or range)')
    .option('--patch <px>', 'also crop each image to a random (seeded) patch of this size')
    .option('--seed <s>', 'seed (the same seed gives the same pairs)', '0')
    .option('--force', 'overwrite existing pairs')
    .action(async (clean: string, o: Record<string, string | boolean | undefined>) => {
      const type = o.type as string;
      if (!['noise', 'blur', 'rain'].includes(type)) fail(`--type must be noise, blur or rain; got '${type}'`);
      const spec = Object.fromEntries(Object.entries({
        type: type as 'noise' | 'blur' | 'rain',
        sigma: range(o.sigma as string, 'sigma'),
        length: range(o.length as string | undefined, 'length'),
        angle: range(o.angle as string | undefined, 'angle'),
        density: range(o.density as string | undefined, 'density'),
        width: range(o.width as string | undefined, 'width'),
        brightness: range(o.brightness as string | undefined, 'brightness'),
        patch: o.patch ? Number(o.patch) : undefined,
        seed: Number(o.seed),
        force: !!o.force,
      }).filter(([, v]) => v !== undefined));
      const r = await makePairs(clean, o.output as string, spec as unknown as Parameters<typeof makePairs>[2]);
      console.log(`wrote ${r.written.length} pair(s) to ${o.output}${r.skipped.length ? `; skipped ${r.skipped.length}: ${r.skipped.join(', ')}` : ''}`);
    });
}
