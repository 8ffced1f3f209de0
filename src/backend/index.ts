import type { Kernels } from './kernels.js';
import { jsKernels } from './js/index.js';
import { profileKernels } from './profile.js';
import { envVar } from '../util/env.js';

export type { Kernels } from './kernels.js';
export { jsKernels } from './js/index.js';
export { profileKernels, type ProfileRow } from './profile.js';

/** The backends the engine knows; `js` is always there, the others once registered. */
export const BACKEND_NAMES = ['js', 'native', 'wasm', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Builds a backend's kernels, or returns why it cannot (called once; the answer is kept). */
export type BackendLoader = () => Kernels | string;

interface Registered {
  load: BackendLoader;
  /** Gives the backend's cached memory back (native: scratch and heap; wasm: scratch). */
  release?: (loaded: Kernels) => void;
  loaded?: Kernels | string;
}

const registry = new Map<BackendName, Registered>();
let active: Kernels | null = null;
let warned = false;

/**
 * Makes a backend available. The Node entry registers `native` (the C++ addon) and `wasm`
 * (the module read from disk); in a browser, `useWasmKernels` registers `wasm` once its
 * module is compiled. Nothing here imports a platform's modules, so the engine runs anywhere.
 */
export function registerBackend(name: Exclude<BackendName, 'js'>, load: BackendLoader, release?: (loaded: Kernels) => void): void {
  registry.set(name, { load, release });
  if (active && active.name === name) active = null;
}

/** A backend's kernels, or why it is unavailable (not registered here, or failed to load). */
export function backendKernels(name: BackendName): Kernels | string {
  if (name === 'js') return jsKernels;
  const r = registry.get(name);
  if (!r) return `the ${name} backend is not available in this build (nothing registered it)`;
  if (r.loaded === undefined) r.loaded = r.load();
  return r.loaded;
}

/** The native kernels if they built and loaded, else the reason they did not. */
export function nativeKernels(): Kernels | string {
  return backendKernels('native');
}

/**
 * The backend in use: DIFF_MAMBA_BACKEND when set (js, native, wasm or webgpu; an unavailable one is
 * an error), else `native` where it is registered and loads, else `wasm` where it loads, else
 * the TypeScript kernels, with the reason announced once on stderr. DIFF_MAMBA_PROFILE=1 times every kernel call and prints
 * a table per kernel when the process exits (`shapes`: per shape).
 */
export function kernels(): Kernels {
  if (active) return active;
  const wanted = envVar('DIFF_MAMBA_BACKEND');
  if (wanted !== undefined && wanted !== '') {
    if (!(BACKEND_NAMES as readonly string[]).includes(wanted)) throw new Error(`DIFF_MAMBA_BACKEND must be one of ${BACKEND_NAMES.join(', ')}, got '${wanted}'`);
    const k = backendKernels(wanted as BackendName);
    if (typeof k === 'string') throw new Error(`DIFF_MAMBA_BACKEND=${wanted} but ${k}`);
    active = k;
  } else if (registry.has('native')) {
    const nat = nativeKernels();
    if (typeof nat !== 'string') {
      active = nat;
    } else {
      // the addon did not build or load: the wasm module (the same kernels, 128-bit) where it loads, else TypeScript
      const wasm = registry.has('wasm') ? backendKernels('wasm') : 'not registered';
      active = typeof wasm === 'string' ? jsKernels : wasm;
      if (!warned) {
        warned = true;
        writeStderr(`diff-mamba: ${nat}; running on the ${typeof wasm === 'string' ? 'slow TypeScript' : 'WebAssembly'} kernels\n`);
      }
    }
  } else {
    active = jsKernels;
  }
  const profile = envVar('DIFF_MAMBA_PROFILE');
  if (profile && profile !== '0') active = startProfile(active, profile === 'shapes');
  return active;
}

/** Switches the backend for everything that follows (tests compare them). */
export function useBackend(name: BackendName): Kernels {
  const k = backendKernels(name);
  if (typeof k === 'string') throw new Error(`cannot use the ${name} backend: ${k}`);
  active = k;
  return active;
}

/** Gives every loaded backend's cached memory back (between network calls; see releaseNativeMemory). */
export function releaseKernelMemory(): void {
  for (const r of registry.values()) if (r.release && typeof r.loaded === 'object') r.release(r.loaded);
}

type NodeProcess = { stderr?: { write(s: string): void }; on?(event: 'exit', fn: () => void): void };
const nodeProcess = (): NodeProcess | undefined => (globalThis as { process?: NodeProcess }).process;

function writeStderr(s: string): void {
  const p = nodeProcess();
  if (p?.stderr) p.stderr.write(s);
  else console.warn(s.trimEnd());
}

function startProfile(k: Kernels, byShape: boolean): Kernels {
  const profile = profileKernels(k, { byShape });
  const t0 = performance.now();
  const print = () => writeStderr(`\ndiff-mamba profile (${k.name} backend, ${k.threads} thread${k.threads > 1 ? 's' : ''}):\n${profile.table(performance.now() - t0)}\n`);
  const p = nodeProcess();
  if (p?.on) p.on('exit', print);
  return profile.kernels;
}
