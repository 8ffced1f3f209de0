// Builds native/diffmamba_kernels.wasm: the addon's C++ kernels (native/kernels_impl.inc)
// compiled to WebAssembly with 128-bit SIMD, by clang and wasm-ld against wasi-libc — all from
// Debian's packages: apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32. The module is committed (the
// browser build and a clone without the toolchain use it); `--check` rebuilds into a temporary
// file and fails when it differs from the committed one.
// Usage: node scripts/build-wasm.mjs [--check] [--out <file>]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'native', 'diffmamba_kernels.wasm');
const args = process.argv.slice(2);
const check = args.includes('--check');
const outAt = args.indexOf('--out');

/** The first clang that can target wasm32-wasi here, or null. */
export function findClang() {
  for (const cc of [process.env.DIFF_MAMBA_CLANG, 'clang-14', 'clang', 'clang-16', 'clang-15'].filter(Boolean)) {
    const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return cc;
  }
  return null;
}

const FLAGS = [
  '--target=wasm32-wasi', '-std=c++17', '-O3', '-msimd128',
  // the addon's float model (binding.gyp): reassociation for vector sums, but NaN and infinities kept
  '-fno-math-errno', '-fno-trapping-math', '-fno-signed-zeros', '-fassociative-math',
  // a reactor: exports are plain functions (a command would rerun static constructors around each)
  '-fno-exceptions', '-fno-rtti', '-mexec-model=reactor',
  '-Wl,--no-entry', '-Wl,-z,stack-size=1048576', '-Wl,--initial-memory=16777216', '-Wl,--max-memory=4294967296',
  '-Wl,--strip-all',
];

function build(out) {
  const cc = findClang();
  if (!cc) {
    console.error('build-wasm: no clang found (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)');
    process.exit(1);
  }
  const sources = ['native/wasm_exports.cc', 'native/scratch.cc'].map((s) => join(root, s));
  const r = spawnSync(cc, [...FLAGS, ...sources, '-o', out], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    console.error(`build-wasm: ${cc} failed (are its libraries installed? apt-get install wasi-libc lld-14 libclang-rt-14-dev-wasm32)`);
    process.exit(1);
  }
}

if (check) {
  const dir = mkdtempSync(join(tmpdir(), 'dm-wasm-'));
  try {
    const fresh = join(dir, 'k.wasm');
    build(fresh);
    const same = existsSync(target) && Buffer.compare(readFileSync(fresh), readFileSync(target)) === 0;
    if (!same) {
      console.error(`build-wasm: ${target} is out of date with native/ (run node scripts/build-wasm.mjs)`);
      process.exit(1);
    }
    console.log('build-wasm: the committed module matches the sources');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const out = outAt >= 0 ? args[outAt + 1] : target;
  const tmp = `${out}.tmp-${process.pid}`;
  build(tmp);
  renameSync(tmp, out);
  console.log(`build-wasm: wrote ${out} (${(readFileSync(out).length / 1024).toFixed(0)} KB)`);
}
