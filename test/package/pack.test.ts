// The package as a user gets it: `npm pack` the repository, install the tarball into an empty
// project (which builds the native addon with node-gyp), restore an example image with the
// installed CLI, import the library by name and type-check a TypeScript file against it.
// Takes minutes (mostly the addon build); DIFF_MAMBA_SKIP_PACK=1 skips it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '../helpers/shared.js';
import { RESTORE_DEFAULTS } from '../../src/restore/restorer.js';

const skip = process.env.DIFF_MAMBA_SKIP_PACK === '1' ? 'DIFF_MAMBA_SKIP_PACK=1' : false;

function sh(cmd: string, args: string[], opts: SpawnSyncOptions & { what: string }): string {
  const t = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  const out = `${String(r.stdout ?? '')}\n${String(r.stderr ?? '')}`;
  assert.equal(r.status, 0, `${opts.what} failed (${r.error?.message ?? `status ${r.status}, signal ${r.signal}`}):\n${out.slice(-4000)}`);
  console.log(`${opts.what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return String(r.stdout ?? '');
}

interface PackFile {
  path: string;
  size: number;
}

test('npm pack → npm install in an empty project → the CLI restores an example and the library imports by name', { skip, timeout: 15 * 60_000 }, async () => {
  const started = Date.now();
  const root = repoRoot();
  const tmp = mkdtempSync(join(tmpdir(), 'dm-pack-'));
  try {
    // 1. the tarball (dist/ is what the test run compiled; --ignore-scripts: no second tsc)
    const packDir = join(tmp, 'pack');
    mkdirSync(packDir);
    const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: root, what: 'npm pack' })) as { filename: string; size: number; files: PackFile[] }[];
    const { filename, size, files } = packed[0];
    const paths = new Set(files.map((f) => f.path));
    for (const need of ['package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'binding.gyp', 'scripts/build-native.mjs', 'native/addon.cc', 'native/pool.cc', 'models/denoise/denoise.safetensors', 'models/derain/derain.safetensors', 'models/deblur/deblur.safetensors', 'examples/chelsea_noisy.png', 'docs/library.md']) {
      assert.ok(paths.has(need), `the tarball lacks ${need}`);
    }
    const stray = files.filter((f) => /^(test|dist\/test|dist\/bench|bench|build|node_modules|datasets|experiments|\.ci)\//.test(f.path));
    assert.deepEqual(stray.map((f) => f.path), [], 'tests, benchmarks and build outputs stay out of the package');
    const big = files.filter((f) => f.size > 6 * 2 ** 20);
    assert.deepEqual(big.map((f) => f.path), [], 'no file over 6 MB');
    assert.ok(size < 25 * 2 ** 20, `the tarball is ${(size / 2 ** 20).toFixed(1)} MB`);
    console.log(`tarball ${(size / 2 ** 20).toFixed(1)} MB, ${files.length} files`);

    // 2. an empty project installs it (the install script builds the addon)
    const proj = join(tmp, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'dm-pack-check', version: '1.0.0', private: true, type: 'module' }, null, 2));
    sh('npm', ['install', join(packDir, filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: proj, what: 'npm install <tarball>', timeout: 10 * 60_000 });
    const pkg = join(proj, 'node_modules', 'diff-mamba');
    assert.ok(existsSync(join(pkg, 'build', 'Release', 'diffmamba_native.node')), 'the install script built the native addon');

    // 3. the installed CLI restores an example image
    const input = join(root, 'examples', 'chelsea_noisy.png');
    const out = join(proj, 'out');
    sh('npx', ['--no-install', 'diff-mamba', 'restore', input, '-o', out, '--task', 'denoise', '--tile', '64'], { cwd: proj, what: 'npx diff-mamba restore --tile 64', timeout: 5 * 60_000 });
    const [a, b] = await Promise.all([sharp(input).metadata(), sharp(join(out, 'chelsea_noisy.png')).metadata()]);
    assert.deepEqual([b.width, b.height, b.channels], [a.width, a.height, a.channels]);

    // 4. the library by its name, from plain JavaScript
    const script = `import { loadModel, bundledModelPath, kernels, RESTORE_DEFAULTS } from 'diff-mamba';
      const loaded = loadModel(bundledModelPath('denoise'));
      console.log(JSON.stringify({ dim: loaded.config.dim, params: loaded.model.parameterCount(), backend: kernels().name, tile: RESTORE_DEFAULTS.tile }));
      loaded.dispose();`;
    const info = JSON.parse(sh(process.execPath, ['--input-type=module', '-e', script], { cwd: proj, what: "node -e import 'diff-mamba'" }).trim()) as { dim: number; params: number; backend: string; tile: number };
    assert.equal(info.backend, 'native');
    assert.equal(info.tile, RESTORE_DEFAULTS.tile);
    assert.ok(info.params > 1e6);

    // 5. and from TypeScript: the published types cover the options
    writeFileSync(
      join(proj, 'check.ts'),
      `import { loadModel, bundledModelPath, restoreImage, type RestoreOptions, type RestoreProgress, type FloatImage } from 'diff-mamba';
const { model } = loadModel(bundledModelPath('denoise'));
const opts: RestoreOptions = { tile: 384, overlap: 24, steps: 3, eta: 0, seed: 0, ensemble: false, signal: new AbortController().signal, onProgress: (p: RestoreProgress) => p.done / p.total };
export const run = (img: FloatImage): Promise<FloatImage> => restoreImage(model, img, opts);
`,
    );
    writeFileSync(join(proj, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [], typeRoots: [join(root, 'node_modules', '@types')] }, files: ['check.ts'] }));
    sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: proj, what: 'tsc against the installed types' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    console.log(`pack test: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  }
});
