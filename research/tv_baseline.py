#!/usr/bin/env python3
"""Total-variation denoising baseline (scikit-image's denoise_tv_chambolle) on a paired folder.

Writes the TV results as PNGs so that they are scored by the same `diff-mamba eval` as the
model. The TV weight is chosen per folder from a grid by the best mean PSNR against the
targets (an oracle choice: the strongest setting of the classical method).
Needs Debian's python3-skimage.  Usage:
  /usr/bin/python3 research/tv_baseline.py datasets/denoise/val_sigma25 out/tv_sigma25
"""
import sys
from pathlib import Path

import numpy as np
from skimage import io
from skimage.restoration import denoise_tv_chambolle


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def main(src, dst):
    src, dst = Path(src), Path(dst)
    names = sorted(p.name for p in (src / "input").glob("*.png"))
    noisy = [io.imread(src / "input" / n) for n in names]
    clean = [io.imread(src / "target" / n) for n in names]
    best = None
    for w in [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3]:
        outs = [np.clip(np.round(denoise_tv_chambolle(x / 255.0, weight=w, channel_axis=-1) * 255), 0, 255).astype(np.uint8) for x in noisy]
        score = np.mean([psnr(o, c) for o, c in zip(outs, clean)])
        if best is None or score > best[0]:
            best = (score, w, outs)
    dst.mkdir(parents=True, exist_ok=True)
    for n, o in zip(names, best[2]):
        io.imsave(dst / n, o, check_contrast=False)
    print(f"{src}: best TV weight {best[1]} (RGB PSNR {best[0]:.2f} dB); results in {dst}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
