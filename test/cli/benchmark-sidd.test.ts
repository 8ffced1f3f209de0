import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { fixturePath, repoRoot } from '../helpers/shared.js';
import { readMat } from '../../src/io/mat.js';
import { BlockArray } from '../../src/cli/commands/benchmark.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tinyModel = fixturePath('dft_tiny_weights.safetensors');

// --- a minimal MAT v5 writer (uint8 arrays only), as MATLAB / scipy lay the file out ---

function element(type: number, payload: Uint8Array): Buffer {
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(payload.length, 4);
  return Buffer.concat([tag, payload, Buffer.alloc((8 - (payload.length % 8)) % 8)]);
}

function matFile(name: string, dims: number[], columnMajor: Uint8Array, compress: boolean): Buffer {
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, written by the diff-mamba SIDD benchmark test', 0, 'latin1');
  header.fill(0, 116, 124);
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(9, 0); // mxUINT8_CLASS
  const d = Buffer.alloc(4 * dims.length);
  dims.forEach((v, i) => d.writeInt32LE(v, 4 * i));
  const body = Buffer.concat([element(6, flags), element(5, d), element(1, Buffer.from(name, 'latin1')), element(2, columnMajor)]);
  const matrix = element(14, body);
  if (!compress) return Buffer.concat([header, matrix]);
  const z = deflateSync(matrix);
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(15, 0);
  tag.writeUInt32LE(z.length, 4);
  return Buffer.concat([header, tag, z]);
}

/** A value for (image, block, y, x, channel), stored column-major over dims [I, B, H, W, 3]. */
function blocks(dims: number[], f: (i: number, b: number, y: number, x: number, c: number) => number): Uint8Array {
  const [I, B, H, W, C] = dims;
  const out = new Uint8Array(I * B * H * W * C);
  for (let c = 0; c < C; c++)
    for (let x = 0; x < W; x++) for (let y = 0; y < H; y++) for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) out[i + I * (b + B * (y + H * (x + W * c)))] = f(i, b, y, x, c);
  return out;
}

const DIMS = [1, 2, 16, 16, 3];
const clean = (_i: number, b: number, y: number, x: number, c: number) => (40 + 8 * x + 5 * y + 30 * c + 17 * b) % 256;
const noisy = (i: number, b: number, y: number, x: number, c: number) => Math.max(0, Math.min(255, clean(i, b, y, x, c) + (((x * 7 + y * 13 + c * 3 + b) % 11) - 5) * 4));

/** The "images" count, PSNR and SSIM of a table row. */
function row(stdout: string, set: string): { n: number; psnr: number; ssim: number; channel: string } {
  const m = stdout.match(new RegExp(`^${set}\\s+(\\d+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s*$`, 'm'));
  assert.ok(m, `no ${set} row in:\n${stdout}`);
  return { n: Number(m[1]), psnr: Number(m[2]), ssim: Number(m[3]), channel: m[4] };
}

describe('benchmark: SIDD validation blocks from MATLAB files', () => {
  let root = '';
  let flat = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'dm-sidd-'));
    mkdirSync(join(root, 'SIDD'));
    writeFileSync(join(root, 'SIDD', 'ValidationNoisyBlocksSrgb.mat'), matFile('ValidationNoisyBlocksSrgb', DIMS, blocks(DIMS, noisy), true));
    writeFileSync(join(root, 'SIDD', 'ValidationGtBlocksSrgb.mat'), matFile('ValidationGtBlocksSrgb', DIMS, blocks(DIMS, clean), false));
    // The files directly in the root are accepted too.
    flat = mkdtempSync(join(tmpdir(), 'dm-sidd-flat-'));
    writeFileSync(join(flat, 'ValidationNoisyBlocksSrgb.mat'), matFile('ValidationNoisyBlocksSrgb', DIMS, blocks(DIMS, noisy), false));
    writeFileSync(join(flat, 'ValidationGtBlocksSrgb.mat'), matFile('ValidationGtBlocksSrgb', DIMS, blocks(DIMS, clean), true));
  });

  it('blocks come out of the column-major array as the (H, W, RGB) images numpy indexing gives', () => {
    const arr = readMat(join(root, 'SIDD', 'ValidationNoisyBlocksSrgb.mat')).get('ValidationNoisyBlocksSrgb')!;
    const b = new BlockArray(arr, 'test');
    assert.deepEqual([b.count, b.height, b.width], [2, 16, 16]);
    for (let k = 0; k < 2; k++) {
      assert.deepEqual(b.label(k), [0, k]);
      const img = b.block(k);
      for (const [y, x, c] of [
        [0, 0, 0],
        [3, 11, 1],
        [15, 2, 2],
        [9, 15, 0],
      ]) {
        assert.equal(img.data[c * 256 + y * 16 + x], Math.fround(noisy(0, k, y, x, c) / 255), `block ${k} (${y}, ${x}, ${c})`);
      }
    }
    // Image-major order over several images: k = i·B + b.
    const dims = [3, 2, 8, 8, 3];
    const many = { class: 'uint8' as const, dims, data: blocks(dims, (i, bb, y, x, c) => i * 50 + bb * 20 + y + x + c) };
    const m = new BlockArray(many, 'test');
    assert.equal(m.count, 6);
    assert.deepEqual(m.label(3), [1, 1]);
    assert.equal(m.block(3).data[2 * 64 + 5 * 8 + 4], Math.fround((50 + 20 + 5 + 4 + 2) / 255));
  });

  it('--sets SIDD restores and scores every block, reporting the metric variant', () => {
    const r = run('benchmark', '--data', root, '--sets', 'SIDD', '--model', tinyModel, '--steps', '1');
    assert.equal(r.status, 0, r.stderr);
    const s = row(r.stdout, 'SIDD');
    assert.equal(s.n, 2);
    assert.ok(Number.isFinite(s.psnr) && s.psnr > 0 && s.psnr < 100, `PSNR ${s.psnr}`);
    assert.ok(Number.isFinite(s.ssim) && s.ssim > -1 && s.ssim <= 1, `SSIM ${s.ssim}`);
    assert.equal(s.channel, 'RGB');
    assert.match(r.stdout, /'deraining' metric variant/);
  });

  it('--limit counts blocks; --save writes them; files directly in <root> are found without --sets', () => {
    const save = mkdtempSync(join(tmpdir(), 'dm-sidd-save-'));
    const r = run('benchmark', '--data', flat, '--model', tinyModel, '--steps', '1', '--limit', '1', '--save', save);
    assert.equal(r.status, 0, r.stderr);
    const s = row(r.stdout, 'SIDD');
    assert.equal(s.n, 1);
    assert.ok(Number.isFinite(s.psnr) && Number.isFinite(s.ssim));
    assert.deepEqual(readdirSync(join(save, 'SIDD')), ['00_00.png']);
  });

  it('a missing SIDD set, and mismatched block arrays, fail with a clear message', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dm-sidd-none-'));
    mkdirSync(join(empty, 'Rain100L', 'input'), { recursive: true });
    mkdirSync(join(empty, 'Rain100L', 'target'));
    const r = run('benchmark', '--data', empty, '--sets', 'SIDD', '--model', tinyModel);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /set SIDD not found.*ValidationNoisyBlocksSrgb\.mat/);
    const bad = mkdtempSync(join(tmpdir(), 'dm-sidd-bad-'));
    writeFileSync(join(bad, 'ValidationNoisyBlocksSrgb.mat'), matFile('ValidationNoisyBlocksSrgb', DIMS, blocks(DIMS, noisy), false));
    writeFileSync(join(bad, 'ValidationGtBlocksSrgb.mat'), matFile('SomethingElse', DIMS, blocks(DIMS, clean), false));
    const r2 = run('benchmark', '--data', bad, '--model', tinyModel, '--steps', '1');
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /ValidationGtBlocksSrgb\.mat: no variable 'ValidationGtBlocksSrgb' \(the file has: 'SomethingElse'\)/);
  });
});
