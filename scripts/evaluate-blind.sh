#!/usr/bin/env bash
# Generalisation scores (scripts/make-blind-datasets.sh builds the data): for each task, the
# held-out photos under the preset's HELD-OUT degradations (families training never draws,
# datasets/blind/<task>/val_full) and the clean held-out photos (datasets/blind/clean_val: a
# model should leave them alone), Y-channel PSNR / SSIM, for the degraded input, the weights in
# git's HEAD~N (BASE, default: the bundled weights as committed at HEAD) and the candidate
# weights (MODEL_<task>, default the bundled file in the working tree). Deterministic (seed 0).
#   MODEL_derain=experiments/derain_blind/models/net_g_latest.safetensors TASKS=derain scripts/evaluate-blind.sh
# Prints a Markdown table and writes it to $OUT/table.md (default experiments/generalisation/).
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=${CLI:-node dist/src/cli/main.js}
OUT=${OUT:-experiments/generalisation}
BASE=${BASE:-HEAD}
rm -rf "$OUT"; mkdir -p "$OUT/base"
score() { # pred gt -> "psnr/ssim" on Y
  # identical images have an infinite PSNR (null in the JSON): the clean photos as their own input
  $CLI eval --pred "$1" --gt "$2" --y --json | python3 -c "import json,sys; m=json.load(sys.stdin)['mean']; print('identical' if m['psnr'] is None else f\"{m['psnr']:.2f}/{m['ssim']:.4f}\")"
}
{
  echo "| task | set | degraded input | $BASE weights | candidate |"
  echo "|---|---|---|---|---|"
  for task in ${TASKS:-denoise derain deblur}; do
    git show "$BASE:models/$task/$task.safetensors" > "$OUT/base/$task.safetensors"
    weights="MODEL_$task"; candidate=${!weights:-models/$task/$task.safetensors}
    for s in "$task/val_full" clean_val; do
      d="datasets/blind/$s"
      $CLI restore "$d/input" -o "$OUT/$task/base/$s" --model "$OUT/base/$task.safetensors" --force > /dev/null
      $CLI restore "$d/input" -o "$OUT/$task/candidate/$s" --model "$candidate" --force > /dev/null
      echo "| $task | ${s#*/} | $(score "$d/input" "$d/target") | $(score "$OUT/$task/base/$s" "$d/target") | $(score "$OUT/$task/candidate/$s" "$d/target") |"
    done
  done
} | tee "$OUT/table.md"
# per photo of the degraded sets: the candidate's Y-PSNR gain over its input (a model should never lose)
for task in ${TASKS:-denoise derain deblur}; do
  d="datasets/blind/$task/val_full"
  $CLI eval --pred "$d/input" --gt "$d/target" --y --json > "$OUT/$task/input.json"
  $CLI eval --pred "$OUT/$task/candidate/$task/val_full" --gt "$d/target" --y --json > "$OUT/$task/candidate.json"
  python3 - "$task" "$OUT/$task/input.json" "$OUT/$task/candidate.json" <<'PY' | tee -a "$OUT/table.md"
import json, sys
task, a, b = sys.argv[1], *(json.load(open(f))['images'] for f in sys.argv[2:])
gains = [(x['name'].rsplit('.', 1)[0], y['psnr'] - x['psnr']) for x, y in zip(a, b)]
print(f"{task}, candidate - input per photo (Y dB): " + ', '.join(f"{n} {g:+.2f}" for n, g in gains) + f"; lowest {min(g for _, g in gains):+.2f}")
PY
done
