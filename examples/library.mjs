// Library example: load a checkpoint, run the network on plain Float32Arrays, then restore a
// photo with the full sampler, with progress, cancellation and cleanup. Run after `npm install`:
//   node examples/library.mjs
// (In a project that installed the package, import from 'diff-mamba' instead of '../dist/src/index.js'.)
import { loadModel, Tensor, noGrad, readImage, writeImage, restoreImage, bundledModelPath, psnr, toUint8HWC, RESTORE_DEFAULTS, RestoreAbortedError } from '../dist/src/index.js';

// 1. Any checkpoint: a PyTorch .pth from the authors' code (params_ema is chosen) or our .safetensors.
const loaded = loadModel(bundledModelPath('denoise'));
const { model, config } = loaded;
console.log(`model: dim ${config.dim}, blocks ${config.num_blocks.join('/')}, ${model.parameterCount()} parameters`);

// 2. One network call ε̂ = net(cat[lq, x_t], t) on tensors made from Float32Arrays (NCHW, H and W multiples of 8).
const [n, c, h, w] = [1, config.inp_channels, 32, 32];
const input = new Float32Array(n * c * h * w).map((_, i) => Math.sin(i / 7));
const eps = noGrad(() => model.forward(new Tensor(input, [n, c, h, w]), [500]));
console.log(`forward: output shape [${eps.shape}], first values ${Array.from(eps.data.slice(0, 3), (v) => v.toFixed(4)).join(', ')}`);

// 3. Restore an image with the CLI's defaults (RESTORE_DEFAULTS: tiles of at most 384 pixels,
//    overlap 24, 3 steps = 4 network calls per tile, η 0, seed 0), progress after every network
//    call and a cancel button.
const noisy = await readImage(new URL('chelsea_noisy.png', import.meta.url).pathname);
const clean = await readImage(new URL('chelsea_clean.png', import.meta.url).pathname);
console.log(`defaults: ${JSON.stringify(RESTORE_DEFAULTS)}`);
const controller = new AbortController();
const restored = await restoreImage(model, noisy, {
  signal: controller.signal,
  onProgress: ({ done, total, tile, tiles }) => process.stderr.write(`\rnetwork call ${done}/${total} (tile ${tile}/${tiles})`),
});
process.stderr.write('\n');
const score = (img) => psnr(toUint8HWC(img), toUint8HWC(clean), { variant: 'deraining' }).toFixed(2);
console.log(`PSNR: noisy ${score(noisy)} dB → restored ${score(restored)} dB`);
await writeImage('/tmp/diff-mamba-library-example.png', restored, { overwrite: true });

// 4. Aborting: the promise rejects with RestoreAbortedError before the next network call.
const aborted = new AbortController();
try {
  await restoreImage(model, noisy, { signal: aborted.signal, onProgress: ({ done }) => done === 2 && aborted.abort() });
} catch (e) {
  if (!(e instanceof RestoreAbortedError)) throw e;
  console.log('aborted after 2 network calls');
}

// 5. Done with the model: release its weights and the native kernels' cached memory.
loaded.dispose();
