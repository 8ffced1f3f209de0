import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fixturePath, repoRoot } from '../helpers/shared.js';
import { GlobalFlagError, takeGlobalFlags } from '../../src/cli/global-flags.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const tinyModel = fixturePath('dft_tiny_weights.safetensors');

function run(args: string[], env: Record<string, string | undefined> = {}) {
  const e = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: e });
}

describe('--profile and --backend', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dm-profile-'));
    const rgb = Buffer.alloc(40 * 32 * 3).map((_, i) => (i * 13) % 256);
    await sharp(rgb, { raw: { width: 40, height: 32, channels: 3 } }).png().toFile(join(dir, 'a.png'));
  });

  it('restore --profile prints the per-kernel table on stderr at exit, wherever the flag stands', () => {
    for (const args of [
      ['restore', join(dir, 'a.png'), '--profile', '-o', join(dir, 'out1'), '--model', tinyModel],
      ['--profile', 'restore', join(dir, 'a.png'), '-o', join(dir, 'out2'), '--model', tinyModel],
    ]) {
      const r = run(args, { DIFF_MAMBA_PROFILE: undefined });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /diff-mamba profile \((native|js) backend, \d+ threads?\):/);
      assert.match(r.stderr, /^kernel +calls +total ms +share +throughput$/m);
      assert.match(r.stderr, /^selective scan +\d+ /m);
      assert.match(r.stderr, /^conv2d 3x3 +\d+ .* GFLOP\/s$/m);
      assert.match(r.stderr, /^total +\d+ +[\d.]+$/m);
      assert.doesNotMatch(r.stdout, /diff-mamba profile/);
    }
  });

  it('--profile=shapes splits the table per kernel shape; no flag, no table', () => {
    const r = run(['restore', join(dir, 'a.png'), '-o', join(dir, 'out3'), '--model', tinyModel, '--profile=shapes'], { DIFF_MAMBA_PROFILE: undefined });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^selective scan b1 K4 d\d+ n\d+ L\d+ /m);
    const plain = run(['restore', join(dir, 'a.png'), '-o', join(dir, 'out4'), '--model', tinyModel], { DIFF_MAMBA_PROFILE: undefined });
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /diff-mamba profile/);
  });

  it('takeGlobalFlags strips the flag before `--` only and keeps an explicit DIFF_MAMBA_PROFILE', () => {
    const env: NodeJS.ProcessEnv = {};
    assert.deepEqual(takeGlobalFlags(['node', 'cli', 'info', '--profile', 'm.pth'], env), ['node', 'cli', 'info', 'm.pth']);
    assert.equal(env.DIFF_MAMBA_PROFILE, '1');
    const env2: NodeJS.ProcessEnv = { DIFF_MAMBA_PROFILE: 'shapes' };
    assert.deepEqual(takeGlobalFlags(['node', 'cli', '--profile', 'x', '--', '--profile'], env2), ['node', 'cli', 'x', '--', '--profile']);
    assert.equal(env2.DIFF_MAMBA_PROFILE, 'shapes');
    const env3: NodeJS.ProcessEnv = {};
    assert.deepEqual(takeGlobalFlags(['node', 'cli', 'x', '--', '--profile'], env3), ['node', 'cli', 'x', '--', '--profile']);
    assert.equal(env3.DIFF_MAMBA_PROFILE, undefined);
  });

  it('takeGlobalFlags sets DIFF_MAMBA_BACKEND from --backend (either spelling, over the variable) and rejects unknown names', () => {
    const env: NodeJS.ProcessEnv = { DIFF_MAMBA_BACKEND: 'native' };
    assert.deepEqual(takeGlobalFlags(['node', 'cli', 'restore', '--backend', 'wasm', 'a.png'], env), ['node', 'cli', 'restore', 'a.png']);
    assert.equal(env.DIFF_MAMBA_BACKEND, 'wasm');
    assert.deepEqual(takeGlobalFlags(['node', 'cli', '--backend=js', 'info', '--', '--backend', 'x'], env), ['node', 'cli', 'info', '--', '--backend', 'x']);
    assert.equal(env.DIFF_MAMBA_BACKEND, 'js');
    assert.throws(() => takeGlobalFlags(['node', 'cli', 'restore', '--backend', 'cuda'], {}), (e: unknown) => e instanceof GlobalFlagError && /--backend must be one of js, native, wasm, webgpu, got 'cuda'/.test(e.message));
    assert.throws(() => takeGlobalFlags(['node', 'cli', 'restore', '--backend'], {}), GlobalFlagError);
  });

  it('takeGlobalFlags sets DIFF_MAMBA_PRECISION from --precision (either spelling) and rejects unknown precisions', () => {
    const env: NodeJS.ProcessEnv = {};
    assert.deepEqual(takeGlobalFlags(['node', 'cli', 'restore', '--precision', 'bf16', 'a.png'], env), ['node', 'cli', 'restore', 'a.png']);
    assert.equal(env.DIFF_MAMBA_PRECISION, 'bf16');
    assert.deepEqual(takeGlobalFlags(['node', 'cli', '--precision=fp32', 'info'], env), ['node', 'cli', 'info']);
    assert.equal(env.DIFF_MAMBA_PRECISION, 'fp32');
    assert.throws(() => takeGlobalFlags(['node', 'cli', 'restore', '--precision', 'fp16'], {}), (e: unknown) => e instanceof GlobalFlagError && /--precision must be one of fp32, bf16, got 'fp16'/.test(e.message));
  });

  it('restore --backend js runs on the TypeScript kernels (the profile says so); an unknown backend is one line, exit 2, nothing written', () => {
    const r = run(['restore', join(dir, 'a.png'), '-o', join(dir, 'out5'), '--model', tinyModel, '--backend', 'js', '--profile'], { DIFF_MAMBA_PROFILE: undefined, DIFF_MAMBA_BACKEND: undefined });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /diff-mamba profile \(js backend, 1 thread\):/);
    const bad = run(['restore', join(dir, 'a.png'), '-o', join(dir, 'out6'), '--model', tinyModel, '--backend=gpu']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /^diff-mamba: --backend must be one of js, native, wasm, webgpu, got 'gpu'/);
    assert.equal(existsSync(join(dir, 'out6')), false);
  });
});
