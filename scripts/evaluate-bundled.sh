#!/usr/bin/env bash
# Scores the bundled models on the held-out validation photos (datasets/<task>/val_full and,
# for the denoiser, val_sigma25 / val_sigma50), against their degraded inputs and, for the
# denoiser, against total-variation denoising (scikit-image; needs python3-skimage).
# Prints the table and writes it to $OUT/table.md (default experiments/validation/). Deterministic (seed 0, η = 0, 3 sampling steps).
# TASKS picks tasks (default: all three); MODEL_<task> scores other weights than the bundled ones,
# e.g.  MODEL_denoise=experiments/denoise_polish/models/net_g_1500.safetensors TASKS=denoise scripts/evaluate-bundled.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=${CLI:-node dist/src/cli/main.js}
OUT=${OUT:-experiments/validation}
rm -rf "$OUT"; mkdir -p "$OUT"
score() { # pred gt [--y] -> "psnr ssim"
  $CLI eval --pred "$1" --gt "$2" ${3:-} --json | python3 -c "import json,sys; m=json.load(sys.stdin)['mean']; print(f\"{m['psnr']:.2f} {m['ssim']:.4f}\")"
}
{
  echo "| task | validation set | channel | degraded input PSNR / SSIM | restored PSNR / SSIM | TV denoising PSNR / SSIM |"
  echo "|---|---|---|---|---|---|"
  for task in ${TASKS:-denoise derain deblur}; do
    weights="MODEL_$task"; model="--task $task"; [ -n "${!weights:-}" ] && model="--model ${!weights}"
    sets="val_full"; [ "$task" = denoise ] && sets="val_full val_sigma25 val_sigma50"
    for s in $sets; do
      d="datasets/$task/$s"
      $CLI restore "$d/input" -o "$OUT/$task/$s" $model --force > /dev/null
      tv_rgb="—"; tv_y="—"
      if [ "$task" = denoise ] && /usr/bin/python3 -c 'import skimage' 2>/dev/null; then
        /usr/bin/python3 research/tv_baseline.py "$d" "$OUT/tv/$s" >&2
        tv_rgb=$(score "$OUT/tv/$s" "$d/target" | tr ' ' /); tv_y=$(score "$OUT/tv/$s" "$d/target" --y | tr ' ' /)
      fi
      echo "| $task | $s | RGB | $(score "$d/input" "$d/target" | tr ' ' /) | $(score "$OUT/$task/$s" "$d/target" | tr ' ' /) | $tv_rgb |"
      echo "| $task | $s | Y | $(score "$d/input" "$d/target" --y | tr ' ' /) | $(score "$OUT/$task/$s" "$d/target" --y | tr ' ' /) | $tv_y |"
    done
  done
} | tee "$OUT/table.md"
