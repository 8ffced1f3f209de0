// Library example: load a checkpoint, run the network on plain Float32Arrays, then restore a
// photo with the full sampler. Run after `npm install`:  node examples/library.mjs
import { loadModel, Tensor, noGrad, readImage, writeImage, restoreImage, bundledModelPath, psnr, toUint8HWC } from '../dist/src/index.js';

// 1. Any checkpoint: a PyTorch .pth from the authors' code (params_ema is chosen) or our .safetensors.
const { model, config } = loadModel(bundledModelPath('denoise'));
console.log(`model: dim ${config.dim}, blocks ${config.num_blocks.join('/')}, ${model.parameterCount()} parameters`);

// 2. One network call ε̂ = net(cat[lq, x_t], t) on tensors made from Float32Arrays (NCHW, H and W multiples of 8).
const [n, c, h, w] = [1, config.inp_channels, 32, 32];
const input = new Float32Array(n * c * h * w).map((_, i) => Math.sin(i / 7));
const eps = noGrad(() => model.forward(new Tensor(input, [n, c, h, w]), [500]));
console.log(`forward: output shape [${eps.shape}], first values ${Array.from(eps.data.slice(0, 3), (v) => v.toFixed(4)).join(', ')}`);

// 3. Restore an image with progress reporting and cancellation.
const noisy = await readImage(new URL('chelsea_noisy.png', import.meta.url).pathname);
const clean = await readImage(new URL('chelsea_clean.png', import.meta.url).pathname);
const controller = new AbortController();
const restored = await restoreImage(model, noisy, {
  seed: 0,
  tile: 256,
  signal: controller.signal,
  onProgress: ({ done, total }) => process.stderr.write(`\rtile ${done}/${total}`),
});
process.stderr.write('\n');
const score = (img) => psnr(toUint8HWC(img), toUint8HWC(clean), { variant: 'deraining' }).toFixed(2);
console.log(`PSNR: noisy ${score(noisy)} dB → restored ${score(restored)} dB`);
await writeImage('/tmp/diff-mamba-library-example.png', restored, { overwrite: true });
