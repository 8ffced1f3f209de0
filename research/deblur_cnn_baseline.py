#!/usr/bin/env python3
"""How far a plain CNN gets on the bundled deblurring task with a CPU-sized budget.

A yardstick for the deblurrer, not part of the project: a residual convolutional U-Net
(3x3 convs, GELU, widths W/2W/4W/8W, output = input + net(input); 2.3 M parameters at W = 32)
trained in PyTorch on the same pairs as the bundled deblurrer's polish stage
(datasets/deblur/train16: 16 random linear motion blurs, 5-17 px, of each training photo),
with mean squared error, Adam and a cosine learning rate from 1e-3, on 8 random 64x64 crops
per step (flips and transposes). Prints the validation PSNR on the 128x128 crops
(datasets/deblur/val) every 200 steps and at the end on the full-size held-out photos
(datasets/deblur/val_full), beside the blurred input's. PSNR on 8-bit rounded RGB.
Needs Debian's python3-torch and python3-pil. Usage (about 30 minutes on one idle core):
  /usr/bin/python3 research/deblur_cnn_baseline.py [steps 5600] [width 32] [threads 1]
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 5600
WIDTH = int(sys.argv[2]) if len(sys.argv) > 2 else 32
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
torch.manual_seed(0)
rng = np.random.default_rng(0)
ROOT = 'datasets/deblur'
BATCH, PATCH, LR = 8, 64, 1e-3


def load(folder):
    return [np.asarray(Image.open(os.path.join(folder, n)).convert('RGB'), dtype=np.float32) / 255 for n in sorted(os.listdir(folder))]


def nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None]


def block(c):
    return nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.GELU(), nn.Conv2d(c, c, 3, padding=1))


class ResidualUNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.inp = nn.Conv2d(3, c, 3, padding=1)
        self.enc = nn.ModuleList([block(c), block(2 * c), block(4 * c)])
        self.down = nn.ModuleList([nn.Conv2d(c, 2 * c, 2, 2), nn.Conv2d(2 * c, 4 * c, 2, 2), nn.Conv2d(4 * c, 8 * c, 2, 2)])
        self.latent = block(8 * c)
        self.up = nn.ModuleList([nn.ConvTranspose2d(8 * c, 4 * c, 2, 2), nn.ConvTranspose2d(4 * c, 2 * c, 2, 2), nn.ConvTranspose2d(2 * c, c, 2, 2)])
        self.dec = nn.ModuleList([block(4 * c), block(2 * c), block(c)])
        self.out = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        h = self.inp(x)
        skips = []
        for enc, down in zip(self.enc, self.down):
            h = h + enc(h)
            skips.append(h)
            h = down(h)
        h = h + self.latent(h)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            h = up(h) + skip
            h = h + dec(h)
        return x + self.out(h)


def psnr(a, b):
    return 10 * math.log10(1 / float(((a.clamp(0, 1) * 255).round() / 255 - b).pow(2).mean()))


def validate(net, inputs, targets):
    net.eval()
    total = 0.0
    with torch.no_grad():
        for i, g in zip(inputs, targets):
            x = nchw(i)
            h, w = x.shape[2:]
            y = net(F.pad(x, (0, (-w) % 8, 0, (-h) % 8), mode='reflect'))[:, :, :h, :w]
            total += psnr(y, nchw(g))
    net.train()
    return total / len(inputs)


def crops():
    xs, ys = [], []
    for _ in range(BATCH):
        k = rng.integers(len(train_in))
        a, g = train_in[k], train_gt[k]
        y0, x0 = rng.integers(a.shape[0] - PATCH), rng.integers(a.shape[1] - PATCH)
        a, g = a[y0:y0 + PATCH, x0:x0 + PATCH], g[y0:y0 + PATCH, x0:x0 + PATCH]
        if rng.random() < 0.5:
            a, g = a[:, ::-1], g[:, ::-1]
        if rng.random() < 0.5:
            a, g = a[::-1], g[::-1]
        if rng.random() < 0.5:
            a, g = a.transpose(1, 0, 2), g.transpose(1, 0, 2)
        xs.append(nchw(a))
        ys.append(nchw(g))
    return torch.cat(xs), torch.cat(ys)


train_in, train_gt = load(f'{ROOT}/train16/input'), load(f'{ROOT}/train16/target')
val_in, val_gt = load(f'{ROOT}/val/input'), load(f'{ROOT}/val/target')
full_in, full_gt = load(f'{ROOT}/val_full/input'), load(f'{ROOT}/val_full/target')
net = ResidualUNet(WIDTH)
opt = torch.optim.Adam(net.parameters(), lr=LR)
print(f'{sum(p.numel() for p in net.parameters())} parameters; {STEPS} steps of {BATCH}x{PATCH}²')
print(f'blurred input: crops {np.mean([psnr(nchw(i), nchw(g)) for i, g in zip(val_in, val_gt)]):.3f} dB, '
      f'full size {np.mean([psnr(nchw(i), nchw(g)) for i, g in zip(full_in, full_gt)]):.3f} dB', flush=True)
for step in range(1, STEPS + 1):
    for group in opt.param_groups:
        group['lr'] = LR * 0.5 * (1 + math.cos(math.pi * (step - 1) / STEPS))
    x, y = crops()
    loss = F.mse_loss(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 200 == 0:
        print(f'step {step} loss {loss.item():.2e} validation crops {validate(net, val_in, val_gt):.3f} dB', flush=True)
print(f'restored: crops {validate(net, val_in, val_gt):.3f} dB, full size {validate(net, full_in, full_gt):.3f} dB')
