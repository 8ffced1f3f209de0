/**
 * The precision group: the native kernels with DIFF_MAMBA_PRECISION=bf16 (matrix products and
 * convolutions on bfloat16 operands, fp32 sums: AVX512_BF16) beside fp32 in the same run, each
 * case in its own child process: the default model's forward at 256², and the bundled denoiser
 * restoring the example photo (examples/chelsea_noisy.png), whose PSNR against the clean
 * original is compared (target: within 0.05 dB of fp32).
 */
import '../src/backend/node.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bf16Unavailable as addonBf16Unavailable, loadNativeAddon } from '../src/backend/native/index.js';
import { kernels } from '../src/backend/index.js';
import { readImage } from '../src/io/image.js';
import { scoreImages } from '../src/metrics/index.js';
import { loadModel } from '../src/model/checkpoint.js';
import { bundledModelPath } from '../src/restore/bundled.js';
import { restoreImage } from '../src/restore/image.js';
import { isMain, repoRoot, runChild, type CaseTiming } from './child.js';
import type { BenchGroup, BenchOptions, BenchResult } from './harness.js';
import type { ForwardSpec } from './model.js';

export const PSNR_TARGET_DB = 0.05;

interface RestoreSpec {
  kind: 'restore-photo';
}

interface RestoreResult extends CaseTiming {
  psnr: number;
  input_psnr: number;
}

/** Why bf16 cannot run here, or null. */
function bf16Unavailable(): string | null {
  const addon = loadNativeAddon();
  if (typeof addon === 'string') return `no native addon (${addon})`;
  return addonBf16Unavailable(addon);
}

/** The child: restore the example with the bundled denoiser (defaults), score it against the clean photo. */
async function restoreChild(): Promise<void> {
  const noisy = await readImage(join(repoRoot, 'examples', 'chelsea_noisy.png'));
  const clean = await readImage(join(repoRoot, 'examples', 'chelsea_clean.png'));
  const { model } = loadModel(bundledModelPath('denoise'));
  const t0 = performance.now();
  const restored = await restoreImage(model, noisy);
  const ms = performance.now() - t0;
  const out: RestoreResult = {
    ms,
    rss_kb: process.resourceUsage().maxRSS,
    psnr: scoreImages(restored, clean, { variant: 'deraining' }).psnr,
    input_psnr: scoreImages(noisy, clean, { variant: 'deraining' }).psnr,
  };
  console.log(JSON.stringify(out));
}

const FP32 = { DIFF_MAMBA_PRECISION: 'fp32' };
const BF16 = { DIFF_MAMBA_PRECISION: 'bf16' };

export const precisionGroup: BenchGroup = {
  name: 'precision',
  describe() {
    const why = bf16Unavailable();
    if (why) return [`skipped: ${why}`];
    return [
      `backend: native, threads: ${kernels().threads}; DIFF_MAMBA_PRECISION=bf16 (matrix products and convolutions on bfloat16 operands, fp32 sums) against fp32, each case in its own process, alternately`,
      `speedup = fp32 ms / bf16 ms; restore: the bundled denoiser on examples/chelsea_noisy.png (448×296, defaults), PSNR against chelsea_clean.png; target |bf16 − fp32| ≤ ${PSNR_TARGET_DB} dB`,
    ];
  },
  async run(opts: BenchOptions, report: (r: BenchResult) => void) {
    if (bf16Unavailable()) return;
    const forwardScript = fileURLToPath(new URL('./model.js', import.meta.url));
    const script = fileURLToPath(import.meta.url);
    const fwdName = 'bf16 forward 256x256 (default model, batch 1)';
    if (opts.only === null || fwdName.includes(opts.only)) {
      const spec: ForwardSpec = { kind: 'forward', model: 'default', size: 256, runs: 3, warmup: 1 };
      const fp32 = runChild(forwardScript, spec, FP32);
      const bf16 = runChild(forwardScript, spec, BF16);
      if (typeof fp32 === 'string' || typeof bf16 === 'string') process.stderr.write(`bench: ${fwdName}: ${typeof fp32 === 'string' ? fp32 : bf16}\n`);
      else {
        report({
          name: fwdName, ms: bf16.ms, throughput: 1000 / bf16.ms, unit: 'img/s', torch_ms: null, ratio: null,
          note: `fp32 ${fp32.ms.toFixed(0)} ms; speedup ${(fp32.ms / bf16.ms).toFixed(2)}×; median of 3 runs each`,
          ...({ fp32_ms: fp32.ms, speedup: fp32.ms / bf16.ms } as object),
        });
      }
    }
    const name = 'bf16 restore 448x296 photo (bundled denoiser)';
    if (opts.only === null || name.includes(opts.only)) {
      const spec: RestoreSpec = { kind: 'restore-photo' };
      const fp32 = runChild<RestoreResult>(script, spec, FP32);
      const bf16 = runChild<RestoreResult>(script, spec, BF16);
      if (typeof fp32 === 'string' || typeof bf16 === 'string') process.stderr.write(`bench: ${name}: ${typeof fp32 === 'string' ? fp32 : bf16}\n`);
      else {
        const diff = bf16.psnr - fp32.psnr;
        report({
          name, ms: bf16.ms, throughput: 1000 / bf16.ms, unit: 'img/s', torch_ms: null, ratio: null,
          note: `fp32 ${fp32.ms.toFixed(0)} ms; speedup ${(fp32.ms / bf16.ms).toFixed(2)}×; PSNR input ${fp32.input_psnr.toFixed(2)} → fp32 ${fp32.psnr.toFixed(3)} dB, bf16 ${bf16.psnr.toFixed(3)} dB (${diff >= 0 ? '+' : ''}${diff.toFixed(3)}); target |difference| ≤ ${PSNR_TARGET_DB} dB: ${Math.abs(diff) <= PSNR_TARGET_DB ? 'met' : 'NOT met'}`,
          ...({ fp32_ms: fp32.ms, speedup: fp32.ms / bf16.ms, psnr_fp32: fp32.psnr, psnr_bf16: bf16.psnr, psnr_difference: diff } as object),
        });
      }
    }
  },
};

if (isMain(import.meta.url) && process.argv[2] === '--child') {
  const spec = JSON.parse(process.argv[3]) as RestoreSpec;
  if (spec.kind === 'restore-photo') await restoreChild();
}
