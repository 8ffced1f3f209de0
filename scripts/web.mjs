// Builds the browser bundle (dist/web/diff-mamba.js, from dist/src/browser.js, by esbuild) and
// serves the restoration page of examples/web/ on localhost. The page loads the bundle, the
// kernels' WebAssembly module and the bundled models from here and computes everything itself.
// Usage: node scripts/web.mjs [--port N] [--build-only]     (npm run web)
// The server is a few lines of node:http rather than a dependency: it serves a fixed map of
// read-only files on loopback, nothing else.
import { build } from 'esbuild';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`web: --port must be an integer in 0…65535, got '${args[portAt + 1]}'`);
  process.exit(2);
}

const entry = join(root, 'dist', 'src', 'browser.js');
if (!existsSync(entry)) {
  console.error('web: dist/src/browser.js is missing; run `npm run build` first');
  process.exit(1);
}
const bundle = join(root, 'dist', 'web', 'diff-mamba.js');
const result = await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: bundle,
  metafile: true,
  logLevel: 'error',
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? statSync(bundle).size;
console.log(`web: bundled dist/web/diff-mamba.js (${(bytes / 1024).toFixed(0)} KB minified; kernels ${(statSync(join(root, 'native', 'diffmamba_kernels.wasm')).size / 1024).toFixed(0)} KB of wasm)`);
if (args.includes('--build-only')) process.exit(0);

/** URL prefix → folder it serves. */
const MOUNTS = [
  ['/lib/', join(root, 'dist', 'web')],
  ['/models/', join(root, 'models')],
  ['/examples/', join(root, 'examples')],
  ['/', join(root, 'examples', 'web')],
];
const SINGLE = {
  '/kernels.wasm': join(root, 'native', 'diffmamba_kernels.wasm'),
  '/kernels-threads.wasm': join(root, 'native', 'diffmamba_kernels_threads.wasm'),
};
// cross-origin isolation, without which browsers give pages no SharedArrayBuffer: the wasm
// threads build needs it to share its memory with its workers
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.safetensors': 'application/octet-stream', '.md': 'text/plain; charset=utf-8',
};

function resolvePath(urlPath) {
  if (SINGLE[urlPath]) return SINGLE[urlPath];
  for (const [prefix, dir] of MOUNTS) {
    if (!urlPath.startsWith(prefix)) continue;
    const rel = urlPath.slice(prefix.length) || 'index.html';
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir + sep)) return null;
    return file;
  }
  return null;
}

const server = createServer((req, res) => {
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  const file = req.method === 'GET' || req.method === 'HEAD' ? resolvePath(path) : null;
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size, 'cache-control': 'no-cache', ...ISOLATION });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
});
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`web: serving the restoration page at http://127.0.0.1:${addr.port}/ (Ctrl-C stops)`);
});
