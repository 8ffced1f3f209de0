// Builds native/diffmamba_kernels.wasm and native/diffmamba_kernels_threads.wasm: the addon's C++
// kernels (native/kernels_impl.inc) compiled to WebAssembly with 128-bit SIMD — one thread, and
// a build over an imported shared memory whose kernels also run on workers (native/wasm_exports.cc) — by clang and wasm-ld against wasi-libc — all from
// Debian's packages: apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32. The modules are committed (the
// browser build and a clone without the toolchain use them); `--check` rebuilds into temporary
// files and fails when either differs from the committed one.
// Usage: node scripts/build-wasm.mjs [--check]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');

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

// The threads build: atomics, one memory that the caller creates and shares with the workers, and
// the stack pointer exported so that each worker's instance gets its own stack. Debian's wasi-libc
// is built without atomics: the link is allowed anyway (--no-check-features), since the only libc
// state the kernels touch is malloc's, which native/scratch.cc serialises.
const THREAD_FLAGS = [
  '-matomics', '-mbulk-memory',
  '-Wl,--shared-memory', '-Wl,--import-memory', '-Wl,--no-check-features', '-Wl,--export=__stack_pointer',
];

const MODULES = [
  { file: join(root, 'native', 'diffmamba_kernels.wasm'), flags: FLAGS },
  { file: join(root, 'native', 'diffmamba_kernels_threads.wasm'), flags: [...FLAGS, ...THREAD_FLAGS] },
];

function build(flags, out) {
  const cc = findClang();
  if (!cc) {
    console.error('build-wasm: no clang found (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)');
    process.exit(1);
  }
  const sources = ['native/wasm_exports.cc', 'native/scratch.cc'].map((s) => join(root, s));
  const r = spawnSync(cc, [...flags, ...sources, '-o', out], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    console.error(`build-wasm: ${cc} failed (are its libraries installed? apt-get install wasi-libc lld-14 libclang-rt-14-dev-wasm32)`);
    process.exit(1);
  }
}

if (check) {
  const dir = mkdtempSync(join(tmpdir(), 'dm-wasm-'));
  try {
    for (const [i, m] of MODULES.entries()) {
      const fresh = join(dir, `k${i}.wasm`);
      build(m.flags, fresh);
      const same = existsSync(m.file) && Buffer.compare(readFileSync(fresh), readFileSync(m.file)) === 0;
      if (!same) {
        console.error(`build-wasm: ${m.file} is out of date with native/ (run node scripts/build-wasm.mjs)`);
        process.exit(1);
      }
    }
    console.log('build-wasm: the committed modules match the sources');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  for (const m of MODULES) {
    const tmp = `${m.file}.tmp-${process.pid}`;
    build(m.flags, tmp);
    renameSync(tmp, m.file);
    console.log(`build-wasm: wrote ${m.file} (${(readFileSync(m.file).length / 1024).toFixed(0)} KB)`);
  }
}
