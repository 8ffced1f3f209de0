#!/usr/bin/env bash
# The denoiser against classical methods at fixed noise levels, on the held-out photos
# (datasets/blind/val_photos, from scripts/make-blind-datasets.sh): Gaussian noise of σ = 15, 25
# and 50 (colour, 8-bit, seed 7) from our `degrade`, Y-channel PSNR / SSIM of
#   the noisy input; BM3D given the true σ (colour, opponent space) when $BM3D names its binary
#   (Lebrun's IPOL implementation, github.com/gfacciol/bm3d, built by hand: it is never part of
#   the package); TV denoising with its best weight per σ (research/tv_baseline.py, needs
#   python3-skimage); the weights committed at $BASE (default HEAD); the candidate
#   ($MODEL_denoise, default the bundled file in the working tree).
#   BM3D=/path/to/bm3d MODEL_denoise=experiments/denoise_blind/models/net_g_latest.safetensors scripts/evaluate-denoise-sigma.sh
# Prints a Markdown table and writes it to $OUT/table.md (default experiments/denoise-sigma/).
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=${CLI:-node dist/src/cli/main.js}
OUT=${OUT:-experiments/denoise-sigma}
BASE=${BASE:-HEAD}
SIGMAS=${SIGMAS:-15 25 50}
PHOTOS=datasets/blind/val_photos
[ -d "$PHOTOS" ] || { echo "no $PHOTOS: run scripts/make-blind-datasets.sh first" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"
git show "$BASE:models/denoise/denoise.safetensors" > "$OUT/base.safetensors"
candidate=${MODEL_denoise:-models/denoise/denoise.safetensors}
score() { # pred gt -> "psnr/ssim" on Y
  $CLI eval --pred "$1" --gt "$2" --y --json | python3 -c "import json,sys; m=json.load(sys.stdin)['mean']; print(f\"{m['psnr']:.2f}/{m['ssim']:.4f}\")"
}
{
  echo "| σ | noisy input | BM3D (true σ) | TV (best weight) | $BASE weights | candidate |"
  echo "|---|---|---|---|---|---|"
  for s in $SIGMAS; do
    d="$OUT/sigma$s"
    $CLI degrade "$PHOTOS" -o "$d" --type noise --sigma "$s" --seed 7 > /dev/null
    bm3d="—"
    if [ -n "${BM3D:-}" ]; then
      mkdir -p "$d/bm3d"
      for f in "$d"/input/*.png; do "$BM3D" "$f" "$s" "$d/bm3d/$(basename "$f")" -color_space opp > /dev/null; done
      bm3d=$(score "$d/bm3d" "$d/target")
    fi
    tv="—"
    if /usr/bin/python3 -c "import skimage" 2> /dev/null; then
      /usr/bin/python3 research/tv_baseline.py "$d" "$d/tv" > /dev/null
      tv=$(score "$d/tv" "$d/target")
    fi
    $CLI restore "$d/input" -o "$d/base" --model "$OUT/base.safetensors" --force > /dev/null
    $CLI restore "$d/input" -o "$d/candidate" --model "$candidate" --force > /dev/null
    echo "| $s | $(score "$d/input" "$d/target") | $bm3d | $tv | $(score "$d/base" "$d/target") | $(score "$d/candidate" "$d/target") |"
  done
} | tee "$OUT/table.md"
