// Builds the C++ kernel addon with node-gyp. A failed build never fails `npm install`:
// the library then runs on the portable TypeScript kernels and says so once at load time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.DIFF_MAMBA_SKIP_NATIVE === '1') {
  console.log('diff-mamba: DIFF_MAMBA_SKIP_NATIVE=1, not building the native addon');
  process.exit(0);
}
if (!existsSync(join(root, 'binding.gyp'))) process.exit(0);

function findNodeGyp() {
  const require = createRequire(import.meta.url);
  try { return require.resolve('node-gyp/bin/node-gyp.js'); } catch { /* not a dependency */ }
  const npmDir = process.env.npm_execpath ? dirname(dirname(process.env.npm_execpath)) : null;
  const candidates = [
    npmDir && join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

const gyp = findNodeGyp();
if (!gyp) {
  console.warn('diff-mamba: node-gyp not found; the native kernels were not built (the TypeScript kernels will be used)');
  process.exit(0);
}
// Node's own headers: use the installed ones when present, so no download is needed (offline builds)
const args = [gyp, 'rebuild', '--release'];
const headerDirs = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')].filter(Boolean);
const nodedir = headerDirs.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')));
if (nodedir) args.push(`--nodedir=${nodedir}`);
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (res.status !== 0) {
  console.warn('diff-mamba: the native addon failed to build; the slower TypeScript kernels will be used');
}
process.exit(0);
