#!/usr/bin/env bash
# Builds the data of the blind (generalisation) training campaign from the photo folders
# ($DIFF_MAMBA_SHARED/data/clean and data/extra, default ../shared) with our own `degrade`:
#   datasets/blind/train/            every training photo (clean/ minus the five held-out ones, and extra/)
#   datasets/blind/<task>/val/       four 128² crops of each held-out photo, degraded by the preset's
#                                    HELD-OUT mix (families the training never draws); degradations.jsonl says which
#   datasets/blind/<task>/val_full/  the same, whole photos
#   datasets/blind/clean_val/        the held-out photos themselves (input = target): a model must leave them alone
# Deterministic: the same seeds give the same files. Ignored by git; rebuild any time.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${DIFF_MAMBA_SHARED:-../shared}
CLI="node dist/src/cli/main.js"
VAL="skimage_astronaut skimage_chelsea sklearn_china mate_ladybird plasma_kite"

rm -rf datasets/blind
mkdir -p datasets/blind/train datasets/blind/val_photos datasets/blind/val_crops datasets/blind/clean_val/input datasets/blind/clean_val/target
for f in "$SHARED"/data/clean/*.png "$SHARED"/data/extra/*.png; do
  n=$(basename "$f" .png)
  if [[ " $VAL " == *" $n "* ]]; then
    ln -s "$(realpath "$f")" "datasets/blind/val_photos/$n.png"
    for k in 1 2 3 4; do ln -s "$(realpath "$f")" "datasets/blind/val_crops/${n}_$k.png"; done
    ln -s "$(realpath "$f")" "datasets/blind/clean_val/input/$n.png"
    ln -s "$(realpath "$f")" "datasets/blind/clean_val/target/$n.png"
  else
    ln -s "$(realpath "$f")" "datasets/blind/train/$n.png"
  fi
done
for task in denoise derain deblur; do
  $CLI degrade datasets/blind/val_crops -o "datasets/blind/$task/val" --preset "$task" --split heldout --seed 2 --patch 128
  $CLI degrade datasets/blind/val_photos -o "datasets/blind/$task/val_full" --preset "$task" --split heldout --seed 2
done
echo "blind datasets ready under datasets/blind/ ($(ls datasets/blind/train | wc -l) training photos)"
