import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fixturePath, repoRoot } from '../helpers/shared.js';
import { readSafetensors } from '../../src/io/safetensors.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tinyModel = fixturePath('dft_tiny_weights.safetensors');

describe('command line', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dm-cli-'));
    mkdirSync(join(dir, 'in'));
    const gray = Buffer.alloc(333 * 517).map((_, i) => (i * 7) % 251);
    await sharp(gray, { raw: { width: 333, height: 517, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'in', 'gray_odd.png'));
    const rgba = Buffer.alloc(40 * 30 * 4).map((_, i) => (i % 4 === 3 ? 128 : (i * 13) % 256));
    await sharp(rgba, { raw: { width: 40, height: 30, channels: 4 } }).png().toFile(join(dir, 'in', 'rgba.png'));
    const deep = new Uint16Array(24 * 20 * 3).map((_, i) => (i * 977) % 65536);
    await sharp(Buffer.from(deep.buffer), { raw: { width: 24, height: 20, channels: 3, premultiplied: false } }).toColourspace('rgb16').png().toFile(join(dir, 'in', 'deep16.png'));
    writeFileSync(join(dir, 'in', 'corrupt.png'), Buffer.from('this is not a png'));
  });

  it('restore: odd sizes, grey, RGBA and 16-bit come back with their size and type; a corrupt file is reported and the rest continue', async () => {
    const r = run('restore', join(dir, 'in'), join(dir, 'missing.png'), '-o', join(dir, 'out'), '--model', tinyModel, '--tile', '128');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /corrupt\.png/);
    assert.match(r.stderr, /missing\.png/);
    const g = await sharp(join(dir, 'out', 'gray_odd.png')).metadata();
    assert.deepEqual([g.width, g.height, g.channels], [333, 517, 1]);
    const a = await sharp(join(dir, 'out', 'rgba.png')).raw().toBuffer({ resolveWithObject: true });
    assert.equal(a.info.channels, 4);
    assert.ok(a.data.every((v, i) => i % 4 !== 3 || v === 128), 'alpha passes through untouched');
    const d = await sharp(join(dir, 'out', 'deep16.png')).metadata();
    assert.equal(d.depth, 'ushort');
  });

  it('restore never overwrites an existing output unless --force, nor an input', () => {
    const out = join(dir, 'out2');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'rgba.png'), 'keep me');
    const r = run('restore', join(dir, 'in', 'rgba.png'), '-o', out, '--model', tinyModel);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /rgba\.png: output file exists; refusing to overwrite it \(add --force to replace\)/);
    assert.equal(readFileSync(join(out, 'rgba.png'), 'utf8'), 'keep me');
    const r2 = run('restore', join(dir, 'in', 'rgba.png'), '-o', join(dir, 'in'), '--model', tinyModel, '--force');
    assert.match(r2.stderr, /would overwrite the input/);
    const r3 = run('restore', join(dir, 'in', 'rgba.png'), '-o', out, '--model', tinyModel, '--force');
    assert.equal(r3.status, 0, r3.stderr);
    assert.notEqual(readFileSync(join(out, 'rgba.png')).subarray(1, 4).toString(), 'eep');
  });

  it('convert .pth → safetensors keeps every tensor byte-identical; info reports config and key problems', () => {
    const out = join(dir, 'tiny.safetensors');
    const r = run('convert', fixturePath('dft_tiny.pth'), out, '--key', 'params');
    assert.equal(r.status, 0, r.stderr);
    const a = readSafetensors(out);
    const b = readSafetensors(tinyModel);
    assert.deepEqual([...a.tensors.keys()], [...b.tensors.keys()]);
    for (const [k, t] of b.tensors) assert.deepEqual(a.tensors.get(k)!.data, t.data, k);
    assert.equal(JSON.parse(a.metadata.config).dim, 8);
    const again = run('convert', fixturePath('dft_tiny.pth'), out);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /refusing to overwrite it \(add --force to replace\)/);
    const info = run('info', out, '--json');
    assert.equal(info.status, 0, info.stderr);
    const parsed = JSON.parse(info.stdout);
    assert.equal(parsed.parameters, 370954);
    assert.deepEqual(parsed.missing, []);
  });

  it('clear errors for a missing checkpoint and a file that is not a checkpoint', () => {
    const r = run('info', join(dir, 'nope.pth'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nope\.pth/);
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, Buffer.from([255, 0, 0, 0, 0, 0, 0, 0, 1, 2]));
    const r2 = run('info', bad);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /bad\.safetensors/);
  });

  it('degrade makes reproducible pairs and eval scores them', () => {
    const clean = join(dir, 'clean');
    mkdirSync(clean);
    copyFileSync(join(dir, 'in', 'rgba.png'), join(clean, 'a.png'));
    const r = run('degrade', clean, '-o', join(dir, 'pairs'), '--type', 'noise', '--sigma', '15', '--seed', '4');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'pairs', 'input', 'a.png')) && existsSync(join(dir, 'pairs', 'target', 'a.png')));
    const e = run('eval', '--pred', join(dir, 'pairs', 'input'), '--gt', join(dir, 'pairs', 'target'), '--json');
    assert.equal(e.status, 0, e.stderr);
    const res = JSON.parse(e.stdout);
    assert.ok(res.mean.psnr > 20 && res.mean.psnr < 30, `σ=15 noise gives ~24.6 dB, got ${res.mean.psnr}`);
    const m = run('eval', '--pred', join(dir, 'no-such-folder'), '--gt', join(dir, 'pairs', 'target'));
    assert.equal(m.status, 1);
    assert.match(m.stderr, /--pred .*no-such-folder: no such folder/);
  });

  it('train refuses an option file with bad values, naming the key', () => {
    const f = join(dir, 'bad.yml');
    writeFileSync(f, 'name: x\nnetwork_g:\n  type: DFT\n  dim: -3\n');
    const r = run('train', '-opt', f);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /network_g\.dim/);
  });
});
