// Runs every compiled test file with Node's built-in test runner.
// Usage: node scripts/run-tests.mjs [substring filters...]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
  });
}

const files = walk(testDir).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// the test files import the engine's modules directly, not the Node entry that registers the
// native and wasm backends: every test process registers them first, as the entry would
const register = `--import=${pathToFileURL(join(root, 'dist', 'src', 'backend', 'node.js')).href}`;
const env = { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, register].filter(Boolean).join(' ') };
// without a GPU, Chromium's SwiftShader (a Vulkan device on the CPU) gives the webgpu backend an adapter
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!env.VK_ICD_FILENAMES && existsSync(swiftshader)) env.VK_ICD_FILENAMES = swiftshader;
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
process.exit(res.status ?? 1);
