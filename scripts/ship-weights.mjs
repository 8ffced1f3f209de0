// Makes a training run's weights the bundled model of a task: copies them to
// models/<task>/<task>.safetensors with the metadata that `diff-mamba info` shows — `options`
// names the stage's option file (as a path in the repository) and `stages` gains it after the
// stages of the weights shipped before. The tensors are copied unchanged. With --from-scratch the
// weights may have another network configuration (a run from random weights, not a stage on top
// of the shipped ones), and `stages` is that one stage.
// Usage: node scripts/ship-weights.mjs [--from-scratch] <task> <weights.safetensors> <models/<task>/<stage>.yml>
//        (npm run build first: it uses dist/)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { parseSafetensors, serializeSafetensors } = await import(join(root, 'dist', 'src', 'io', 'safetensors-format.js'));
const { writeFileAtomic } = await import(join(root, 'dist', 'src', 'io', 'atomic.js'));

const args = process.argv.slice(2);
const fromScratch = args.includes('--from-scratch');
const [task, weights, options] = args.filter((a) => a !== '--from-scratch');
const fail = (msg) => {
  console.error(`ship-weights: ${msg}`);
  process.exit(1);
};
if (!task || !weights || !options) fail('usage: node scripts/ship-weights.mjs [--from-scratch] <task> <weights.safetensors> <option file>');
const target = join(root, 'models', task, `${task}.safetensors`);
if (!existsSync(target)) fail(`no bundled model at ${target} (task is one of denoise, derain, deblur)`);
if (!existsSync(weights)) fail(`no weights at ${weights}`);
const optionsRel = relative(root, join(process.cwd(), options));
if (!existsSync(join(root, optionsRel)) || !optionsRel.startsWith(`models/${task}/`)) fail(`the option file must be in models/${task}/ (got ${options})`);

const before = parseSafetensors(new Uint8Array(readFileSync(target)));
const run = parseSafetensors(new Uint8Array(readFileSync(weights)));
if (run.metadata?.format !== 'diff-mamba') fail(`${weights} was not written by diff-mamba's trainer (no format: diff-mamba)`);
if (!fromScratch && run.metadata.config !== before.metadata?.config) fail(`${weights} has another network configuration than the bundled model (--from-scratch ships a run that did not start from it)`);
const stages = fromScratch ? [] : (before.metadata?.stages ?? '').split(', ').filter(Boolean).filter((s) => s !== optionsRel);
const metadata = { ...run.metadata, options: optionsRel, stages: [...stages, optionsRel].join(', ') };
writeFileAtomic(target, serializeSafetensors(run.tensors, metadata));
console.log(`ship-weights: ${target} <- ${weights} (${run.metadata.name}, iteration ${run.metadata.iteration})`);
