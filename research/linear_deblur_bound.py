#!/usr/bin/env python3
"""What one shared linear filter can do for the deblurring pairs, under L2 and under L1.

Fits a (2R+1)×(2R+1) filter, the same for every channel and image, that maps the blurred
training inputs to their targets: once by least squares (the MSE-optimal filter) and once by
least absolute deviations (iteratively reweighted least squares; the L1-optimal filter). Prints
each filter's mean L1 and MSE on the training pixels it was fitted on and its PSNR on the
validation folders, beside the blurred input's (the identity filter). It shows why the fine
stage's L1 objective does not reward sharpening: the L2 filter lowers the MSE of the input by
about 5% but its L1 not at all. Needs Debian's python3-skimage (numpy, imageio). Usage:
  /usr/bin/python3 research/linear_deblur_bound.py [datasets/deblur] [R]
"""
import sys
from pathlib import Path

import imageio
import numpy as np

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else 'datasets/deblur')
R = int(sys.argv[2]) if len(sys.argv) > 2 else 7
SAMPLES_PER_CHANNEL = 4000


def load(p):
    return np.asarray(imageio.imread(p)[..., :3], dtype=np.float64) / 255


def neighbourhoods(x):
    """(H·W, (2R+1)²): every pixel's neighbourhood, reflected at the border."""
    h, w = x.shape
    xp = np.pad(x, R, mode='reflect')
    return np.stack([xp[R + dy:R + dy + h, R + dx:R + dx + w].ravel()
                     for dy in range(-R, R + 1) for dx in range(-R, R + 1)], 1)


def pairs(split):
    inputs = sorted((ROOT / split / 'input').glob('*.png'))
    if not inputs:
        sys.exit(f'no PNG pairs under {ROOT / split}/input (run scripts/make-datasets.sh)')
    for p in inputs:
        yield p.name, load(p), load(ROOT / split / 'target' / p.name)


def apply(k, x):
    return np.stack([(neighbourhoods(x[..., c]) @ k).reshape(x.shape[:2]) for c in range(3)], -1)


def psnr(a, b):
    a = np.round(np.clip(a, 0, 1) * 255) / 255
    return 10 * np.log10(1 / np.mean((a - b) ** 2))


rng = np.random.default_rng(0)
rows, targets = [], []
for _, x, y in pairs('train'):
    for c in range(3):
        a, b = neighbourhoods(x[..., c]), y[..., c].ravel()
        idx = rng.choice(len(b), min(len(b), SAMPLES_PER_CHANNEL), replace=False)
        rows.append(a[idx])
        targets.append(b[idx])
A, b = np.concatenate(rows), np.concatenate(targets)

identity = np.zeros(A.shape[1])
identity[A.shape[1] // 2] = 1
l2 = np.linalg.lstsq(A, b, rcond=None)[0]
l1 = l2.copy()
for _ in range(30):
    w = 1 / np.maximum(np.abs(A @ l1 - b), 1e-4)
    l1 = np.linalg.solve((A * w[:, None]).T @ A, (A * w[:, None]).T @ b)

splits = [s for s in ('val', 'val_full') if (ROOT / s / 'input').is_dir()]
print(f'{len(b)} training pixels, {2 * R + 1}x{2 * R + 1} filter')
print('filter              train L1   train MSE  ' + '  '.join(f'{s} PSNR' for s in splits))
for name, k in (('identity (input)', identity), ('least squares (L2)', l2), ('least abs. dev. (L1)', l1)):
    r = A @ k - b
    scores = [np.mean([psnr(apply(k, x), y) for _, x, y in pairs(s)]) for s in splits]
    print(f'{name:20s} {np.mean(np.abs(r)):.6f}  {np.mean(r * r):.6f}  ' + '  '.join(f'{v:8.3f}' for v in scores))
