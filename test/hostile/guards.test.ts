/**
 * The guards against hostile and careless input that are not loaders: text rendering that
 * never expands shared structure, the limits, the config bounds, the weight and output checks,
 * atomic writes and their leftovers, damaged training states, and the trainer refusing to
 * write blown-up weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isProjectError, limit, LimitError, showName, showValue } from '../../src/io/limits.js';
import { makeDirs, removeStaleTempFiles, writeFileAtomic } from '../../src/io/atomic.js';
import { OutputExistsError } from '../../src/io/output-exists.js';
import { ConfigError, DEFAULT_DFT_CONFIG, dftParameterCount, resolveDFTConfig } from '../../src/model/config.js';
import { DFT } from '../../src/model/dft.js';
import { loadModel, NonFiniteError, saveModel } from '../../src/model/checkpoint.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { loadTrainingState, TrainingError, TrainingStateError } from '../../src/train/state.js';
import { parseOptions } from '../../src/train/options.js';
import { Trainer } from '../../src/train/trainer.js';
import { readImage } from '../../src/io/image.js';

const dir = mkdtempSync(join(tmpdir(), 'dm-guards-'));
const TINY = resolveDFTConfig({ dim: 4, num_blocks: [1, 1, 1, 1], d_state: 4 });

function tinyCheckpoint(name: string, edit?: (sd: Map<string, { shape: number[]; data: Float32Array }>) => void): string {
  const m = new DFT(TINY, { seed: 1 });
  const sd = new Map([...m.stateDict()].map(([k, t]) => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }]));
  m.dispose();
  edit?.(sd);
  const p = join(dir, name);
  saveModel(sd, TINY, p, { overwrite: true });
  return p;
}

test('showValue renders shared and self-referencing structure without expanding it, bounded', () => {
  let dag: unknown[] = [];
  for (let i = 0; i < 200; i++) dag = [dag, dag];
  const self: unknown[] = [];
  self.push(self, self);
  const t0 = Date.now();
  const a = showValue(dag);
  const b = showValue(self);
  let deep: unknown[] = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const c = showValue(deep);
  assert.ok(Date.now() - t0 < 1000);
  for (const s of [a, b, c]) assert.ok(s.length <= 120 && !s.includes('\n'), s);
  assert.match(b, /shared/);
  assert.equal(showName('a\nb'), 'a\\x0ab');
  assert.equal(showName('x'.repeat(500)).length, 80);
  assert.equal(showValue(2n ** 4000n - 1n), '<integer of 500 bytes>');
});

test('limits come from the environment when set, and a bad setting is a LimitError', () => {
  assert.equal(limit('maxPixels'), 40_000_000);
  process.env.DIFF_MAMBA_MAX_PIXELS = '1e6';
  try {
    assert.equal(limit('maxPixels'), 1_000_000);
    process.env.DIFF_MAMBA_MAX_PIXELS = 'lots';
    assert.throws(() => limit('maxPixels'), (e: unknown) => e instanceof LimitError && /DIFF_MAMBA_MAX_PIXELS=lots/.test((e as Error).message));
  } finally {
    delete process.env.DIFF_MAMBA_MAX_PIXELS;
  }
  assert.ok(isProjectError(new ConfigError('x')));
  assert.ok(!isProjectError(new TypeError('x')));
});

test('dftParameterCount equals the built network for odd configurations; configs out of bounds are refused before allocating', () => {
  for (const c of [DEFAULT_DFT_CONFIG, { ...TINY, bias: true, LayerNorm_type: 'BiasFree' as const, ffn_expansion_factor: 1.3 }, { ...TINY, dim: 6, dual_pixel_task: true, inp_channels: 9, out_channels: 2, d_state: 3 }]) {
    const m = new DFT(c);
    assert.equal(dftParameterCount(c), m.parameterCount());
    m.dispose();
  }
  const bad = (raw: Record<string, unknown>, re: RegExp) => assert.throws(() => resolveDFTConfig(raw, 'f.safetensors'), (e: unknown) => e instanceof ConfigError && re.test((e as Error).message));
  bad({ dim: 3000 }, /^f\.safetensors: network_g\.dim must be an integer from 1 to 1024, got 3000$/);
  bad({ dim: 15 }, /dim must be even/);
  bad({ num_blocks: [1e6, 1, 1, 1] }, /num_blocks must be four integers from 1 to 64/);
  bad({ d_state: 1e5 }, /d_state must be an integer from 1 to 256/);
  bad({ dim: 8, ffn_expansion_factor: 0.01 }, /leaves the feed-forward layers of dim 8 no hidden channels/);
  bad({ dim: 1024, num_blocks: [64, 64, 64, 64] }, /parameters .* over the limit of 150,000,000 \(DIFF_MAMBA_MAX_PARAMETERS/);
  assert.throws(() => resolveDFTConfig(null as unknown as Record<string, unknown>, 'f'), /must be a mapping of keys, got None/);
});

test('loadModel refuses NaN and exploded weights naming the checkpoint, and a file holding far fewer values than its network', () => {
  const nan = tinyCheckpoint('nan.safetensors', (sd) => (sd.get('output.weight')!.data[0] = NaN));
  assert.throws(() => loadModel(nan), (e: unknown) => e instanceof NonFiniteError && e.message.startsWith(`${nan}: the weights hold 1 NaN/infinite value in 1 tensor (output.weight)`));
  const huge = tinyCheckpoint('huge.safetensors', (sd) => sd.get('patch_embed.proj.weight')!.data.fill(1e30));
  assert.throws(() => loadModel(huge), (e: unknown) => e instanceof NonFiniteError && /values up to 1\.00e\+30/.test((e as Error).message));
  const empty = join(dir, 'empty.safetensors');
  writeFileSync(empty, serializeSafetensors([['patch_embed.proj.weight', { shape: [4, 6, 3, 3], data: new Float32Array(216) }]], { config: JSON.stringify(TINY) }));
  assert.throws(() => loadModel(empty), (e: unknown) => e instanceof ConfigError && /holds 216 values but its network .* has .* parameters/.test((e as Error).message));
});

test('every network call is checked: a NaN or exploded output stops at the first call, naming the checkpoint', () => {
  const p = tinyCheckpoint('ok.safetensors');
  const { model, dispose } = loadModel(p);
  const x = new Tensor(new Float32Array(6 * 8 * 8).fill(0.5), [1, 6, 8, 8]);
  assert.equal(model.forward(x, [10]).shape.join(), '1,3,8,8');
  const w = model.namedParameters().find(([k]) => k === 'output.weight')![1];
  w.data[0] = NaN;
  assert.throws(() => model.forward(x, [10]), (e: unknown) => e instanceof NonFiniteError && e.message.startsWith(`${p}: the network's output is NaN`));
  w.data[0] = 1e20;
  assert.throws(() => model.forward(x, [10]), (e: unknown) => e instanceof NonFiniteError && /output is .*e\+\d+, far beyond the noise it predicts/.test((e as Error).message));
  dispose();
});

test('atomic writes: temporary files of dead processes are removed, live ones kept; overwrite: false never replaces; folders under /proc fail at once', () => {
  const d = join(dir, 'atomic');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'net_g_4.safetensors.tmp-999999999'), 'half a file');
  writeFileSync(join(d, 'net_g_5.safetensors.tmp-1'), 'pid 1 is alive');
  writeFileSync(join(d, `x.tmp-${process.pid}`), 'ours');
  writeFileAtomic(join(d, 'a.bin'), new Uint8Array([1, 2, 3]));
  assert.deepEqual(readdirSync(d).sort(), ['a.bin', 'net_g_5.safetensors.tmp-1', `x.tmp-${process.pid}`]);
  assert.deepEqual(removeStaleTempFiles(d), []);
  assert.throws(() => writeFileAtomic(join(d, 'a.bin'), new Uint8Array([9]), { overwrite: false }), OutputExistsError);
  assert.deepEqual([...readFileSync(join(d, 'a.bin'))], [1, 2, 3]);
  assert.ok(!readdirSync(d).some((n) => n.startsWith('a.bin.tmp')), 'no temporary file left after a refusal');
  if (process.platform === 'linux') {
    // Node's own recursive mkdirSync never returns here
    const t0 = Date.now();
    assert.throws(() => makeDirs('/proc/diff-mamba-test/a/b'), /cannot create the folder \(ENOENT\)/);
    assert.throws(() => writeFileAtomic('/proc/diff-mamba-test/x.bin', new Uint8Array(1)), /cannot create the folder/);
    assert.ok(Date.now() - t0 < 5000);
  }
});

test('a damaged training state is a TrainingStateError naming the file', () => {
  const bad = (meta: Record<string, string>, re: RegExp) => {
    const p = join(dir, `state-${Math.random().toString(36).slice(2)}.state`);
    writeFileSync(p, serializeSafetensors([], meta));
    assert.throws(() => loadTrainingState(p), (e: unknown) => e instanceof TrainingStateError && e.message.includes(p) && re.test((e as Error).message) && !(e as Error).message.includes('\n'));
  };
  bad({ format: 'diff-mamba-training-state-1', state: '{"iter": 3,' }, /metadata is not valid JSON/);
  bad({ format: 'diff-mamba-training-state-1', state: 'null' }, /state is not a JSON object/);
  bad({ format: 'diff-mamba-training-state-1', state: '{"iter": 3, "count": 2, "optim": {"params": [null, null]}, "history": {"losses": [], "val": []}}' }, /lacks tensor params\.0/);
  bad({ format: 'diff-mamba-training-state-1', state: '{"iter": -1}' }, /iteration -1/);
  bad({ format: 'diff-mamba' }, /is not a diff-mamba training state/);
  assert.throws(() => loadTrainingState(join(dir, 'none.state')), TrainingStateError);
});

test('a 1×1 image and a 10000×9999 header: the first is read, the second refused at the default limit before decoding', async () => {
  const one = join(dir, 'one.png');
  await sharp(Buffer.from([10, 20, 30]), { raw: { width: 1, height: 1, channels: 3 } }).png().toFile(one);
  const img = await readImage(one);
  assert.deepEqual([img.width, img.height, img.channels], [1, 1, 3]);
  // a real 10000×9999 PNG of one colour is a few hundred kilobytes
  const big = join(dir, 'big.png');
  await sharp({ create: { width: 10000, height: 9999, channels: 3, background: { r: 0, g: 0, b: 0 } }, limitInputPixels: false }).png({ compressionLevel: 1 }).toFile(big);
  const t0 = Date.now();
  await assert.rejects(readImage(big), (e: unknown) => isProjectError(e) && /10000×9999 \(100\.0 megapixels\), over the limit of 40\.0 megapixels/.test((e as Error).message));
  assert.ok(Date.now() - t0 < 3000, 'refused from the header');
});

test('the trainer never writes NaN or exploded weights: the checkpoint is refused, naming the last good one', async () => {
  const d = join(dir, 'train');
  for (const sub of ['input', 'target']) {
    mkdirSync(join(d, sub), { recursive: true });
    await sharp(Buffer.alloc(32 * 32 * 3, 100), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(d, sub, 'a.png'));
  }
  const opts = parseOptions(
    `name: guard\ndatasets:\n  train:\n    dataroot_gt: ${d}/target\n    dataroot_lq: ${d}/input\n    batch_size_per_gpu: 1\n    gt_size: 32\nnetwork_g:\n  dim: 4\n  num_blocks: [1, 1, 1, 1]\n  d_state: 4\npath:\n  experiments_root: ${d}/exp\ntrain:\n  total_iter: 10\n  scheduler:\n    periods: [10]\n    restart_weights: [1]\n    eta_mins: [0.0001]\n`,
    { file: join(d, 'o.yml') },
  );
  const trainer = await Trainer.create(opts);
  const first = await trainer.checkpoint();
  assert.equal(trainer.lastCheckpoint, first);
  trainer.model.parameters()[0].data[0] = 1e9;
  trainer.iter = 2;
  await assert.rejects(trainer.checkpoint(), (e: unknown) => e instanceof TrainingError && /iteration 2: the weights hold values up to 1\.00e\+9 .*not writing a checkpoint of them .*the last good checkpoint is .*0\.state/.test((e as Error).message));
  assert.ok(!existsSync(join(d, 'exp', 'models', 'net_g_2.safetensors')));
  assert.ok(!existsSync(join(d, 'exp', 'training_states', '2.state')));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
