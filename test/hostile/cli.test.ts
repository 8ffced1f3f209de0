/**
 * Careless command lines and damaged files at the CLI: each refused before any work with one
 * line `diff-mamba: <message>` in the user's words (flags, file names), exit status 1, no stack
 * trace, no bare TypeError / RangeError / SyntaxError, nothing written.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fixturePath, repoRoot } from '../helpers/shared.js';
import { readSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const tinyModel = fixturePath('dft_tiny_weights.safetensors');
let dir = '';
let img = '';

function refused(args: string[], re: RegExp, timeoutMs = 15000): string {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: timeoutMs });
  const err = r.stderr.trim();
  assert.equal(r.status, 1, `${args.join(' ')}: status ${r.status}\n${r.stderr}`);
  assert.equal(err.split('\n').length, 1, `${args.join(' ')}: one line expected:\n${err}`);
  assert.match(err, /^diff-mamba: /);
  assert.doesNotMatch(err, /TypeError|RangeError|SyntaxError|ReferenceError|unexpected error|\n\s+at /);
  assert.match(err, re, args.join(' '));
  assert.ok(Date.now() - t0 < timeoutMs, `${args.join(' ')} took ${Date.now() - t0} ms`);
  return err;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dm-hostile-cli-'));
  img = join(dir, 'in.png');
  await sharp(Buffer.alloc(24 * 16 * 3, 90), { raw: { width: 24, height: 16, channels: 3 } }).png().toFile(img);
  writeFileSync(join(dir, 'afile'), 'x');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('restore: flags out of range are refused before the model loads, naming the flag', () => {
  const out = join(dir, 'out');
  refused(['restore', img, '-o', out, '--tile', '3'], /--tile must be 0 \(the whole image\) or a multiple of 8 from 32 to 4096, got '3'/);
  refused(['restore', img, '-o', out, '--tile', '16', '--overlap', '32'], /--tile must be .* got '16'/);
  refused(['restore', img, '-o', out, '--tile', '64', '--overlap', '32'], /--overlap must be less than half of --tile \(64\), got '32'/);
  refused(['restore', img, '-o', out, '--eta', '2'], /--eta must be a number from 0 to 1, got '2'/);
  refused(['restore', img, '-o', out, '--steps', '0'], /--steps must be an integer from 1 to 1000/);
  refused(['restore', img, '-o', out, '--max-pixels', 'many'], /--max-pixels must be a positive pixel count/);
  refused(['restore', img, '-o', out, '--task', 'sharpen'], /--task must be denoise, derain, deblur, got 'sharpen'/);
  refused(['restore', img, '-o', out, '--model', join(dir, 'none.pth')], /--model .*none\.pth: no such file/);
  assert.ok(!existsSync(out), 'nothing written');
});

test('restore: an output path that is a file, an unwritable folder (under /proc: no hang) and existing outputs are refused before work', () => {
  refused(['restore', img, '-o', join(dir, 'afile'), '--model', tinyModel], /--output .*afile: is a file, not a folder/);
  if (process.platform === 'linux') refused(['restore', img, '-o', '/proc/diff-mamba-out', '--model', tinyModel], /--output \/proc\/diff-mamba-out: cannot create or write the folder/, 10000);
  const out = join(dir, 'exists');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'in.png'), 'keep');
  refused(['restore', img, '-o', out, '--model', tinyModel], /exists.*add --force to replace/);
});

test('restore: a checkpoint with NaN or 1e30 weights is refused before anything is computed, naming it', () => {
  const { tensors, metadata } = readSafetensors(tinyModel);
  const copy = (f: (d: Float32Array) => void, name: string) => {
    const t = new Map([...tensors].map(([k, v]) => [k, { ...v, data: Float32Array.from(v.data) }]));
    f(t.get('output.weight')!.data);
    const p = join(dir, name);
    writeFileSync(p, serializeSafetensors(t, metadata));
    return p;
  };
  const nan = copy((d) => (d[5] = NaN), 'nan.safetensors');
  const huge = copy((d) => d.fill(1e30), 'huge.safetensors');
  const out = join(dir, 'out-nan');
  refused(['restore', img, '-o', out, '--model', nan], new RegExp(`${nan.replace(/[.]/g, '\\.')}: the weights hold 1 NaN/infinite value in 1 tensor \\(output\\.weight\\)`));
  refused(['restore', img, '-o', out, '--model', huge], /huge\.safetensors: the weights hold values up to 1\.00e\+30/);
  assert.deepEqual(readdirSync(out), [], 'no image written');
  // info reports them instead, with exit status 1
  const r = spawnSync(process.execPath, [cli, 'info', nan], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /weights: BROKEN: 1 NaN\/infinite value in 1 tensor \(output\.weight\)/);
  const ok = spawnSync(process.execPath, [cli, 'info', tinyModel], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /weights: all finite/);
});

test('info: damaged config metadata is one line naming the file, not a JSON parser message', () => {
  const { tensors, metadata } = readSafetensors(tinyModel);
  const damaged = join(dir, 'damaged.safetensors');
  writeFileSync(damaged, serializeSafetensors(tensors, { ...metadata, config: '{"dim": 8,' }));
  refused(['info', damaged], /damaged\.safetensors: the metadata 'config' is not valid JSON \(the file is damaged\)/);
  const nul = join(dir, 'null.safetensors');
  writeFileSync(nul, serializeSafetensors(tensors, { ...metadata, config: 'null' }));
  refused(['info', nul], /null\.safetensors metadata config: the network configuration must be a mapping of keys, got None/);
  refused(['info', dir], /is not a file/);
});

test('convert never overwrites its input, even with --force; damaged --strict values are named', () => {
  const copy = join(dir, 'copy.safetensors');
  writeFileSync(copy, serializeSafetensors(readSafetensors(tinyModel).tensors));
  refused(['convert', copy, copy, '--force'], /copy\.safetensors is the input file; refusing to overwrite it, even with --force/);
  refused(['convert', copy, join(dir, 'o.safetensors'), '--strict', 'maybe'], /--strict must be true or false, got 'maybe'/);
});

test('train: a typo, a missing validation folder, an unwritable experiment folder and a damaged --resume are refused before training', () => {
  for (const sub of ['gt', 'lq']) mkdirSync(join(dir, 'data', sub), { recursive: true });
  const opt = (extra: string, name = 'o.yml') => {
    const p = join(dir, name);
    writeFileSync(p, `name: hostile\ndatasets:\n  train:\n    dataroot_gt: data/gt\n    dataroot_lq: data/lq\n    batch_size_per_gpu: 1\n    gt_size: 32\nnetwork_g:\n  dim: 4\n  num_blocks: [1, 1, 1, 1]\n${extra}`);
    return p;
  };
  refused(['train', '--opt', opt('train:\n  totl_iter: 10\n')], /o\.yml: train\.totl_iter: unknown key; did you mean 'total_iter'\?/);
  refused(['train', '--opt', opt('  inp_channels: 3\n  out_channels: 1\n')], /network_g\.out_channels: must be 3/);
  if (process.platform === 'linux') refused(['train', '--opt', opt('path:\n  experiments_root: /proc/diff-mamba-exp\n')], /path\.experiments_root: \/proc\/diff-mamba-exp: cannot create or write the experiment folder/, 10000);
  const withVal = opt('path:\n  experiments_root: exp\n').replace(/$/, '');
  writeFileSync(withVal, `${readFileSyncUtf8(withVal)}manual_sed: 1\n`);
  refused(['train', '--opt', withVal], /manual_sed: unknown key; did you mean 'manual_seed'\?/);
  const val = join(dir, 'val.yml');
  writeFileSync(val, readFileSyncUtf8(opt('path:\n  experiments_root: exp\n')).replace('network_g:', '  val:\n    dataroot_gt: data/none\n    dataroot_lq: data/lq\nnetwork_g:'));
  refused(['train', '--opt', val], /datasets\.val\.dataroot_gt: .*data\/none: no such folder/);
  const state = join(dir, 'bad.state');
  writeFileSync(state, serializeSafetensors([], { format: 'diff-mamba-training-state-1', state: '{"iter": 4' }));
  refused(['train', '--opt', opt('path:\n  experiments_root: exp\n'), '--resume', state], /bad\.state: the training state's metadata is not valid JSON/);
  refused(['train', '--opt', opt('path:\n  experiments_root: exp\n'), '--resume', join(dir, 'nope.state')], /--resume .*nope\.state: no such file/);
});

test('degrade and eval: a file where a folder belongs, and bad flags', () => {
  refused(['degrade', join(dir, 'afile'), '-o', join(dir, 'pairs'), '--type', 'noise'], /afile is a file; give the folder that holds the clean images/);
  refused(['degrade', dir, '-o', join(dir, 'pairs'), '--type', 'noise', '--seed', 'x'], /--seed must be an integer ≥ 0, got 'x'/);
  refused(['eval', '--pred', join(dir, 'afile'), '--gt', dir], /--pred .*afile: not a folder/);
  refused(['eval', '--pred', dir, '--gt', dir, '--crop', '-1'], /--crop must be an integer from 0 to 100000, got '-1'/);
});

function readFileSyncUtf8(p: string): string {
  return spawnSync('cat', [p], { encoding: 'utf8' }).stdout;
}
