#!/usr/bin/env bash
# Builds the training / validation pairs of the bundled models from ../shared/data/clean
# with our own `degrade` command. Deterministic: the same seeds give the same files.
# Output: datasets/<task>/{train,val,val_full}/{input,target}/ and datasets/clean_train/ (ignored by
# git; rebuild any time).
set -euo pipefail
cd "$(dirname "$0")/.."
CLEAN=${DIFF_MAMBA_SHARED:-../shared}/data/clean
CLI="node dist/src/cli/main.js"
# held out of training: the validation split (and the README example, chelsea)
VAL="skimage_astronaut skimage_chelsea sklearn_china mate_ladybird plasma_kite"
COPIES=${COPIES:-4}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf datasets/clean_train
mkdir -p "$tmp/train" "$tmp/val" datasets/clean_train
for f in "$CLEAN"/*.png; do
  n=$(basename "$f" .png)
  if [[ " $VAL " == *" $n "* ]]; then
    ln -s "$(realpath "$f")" "$tmp/val/$n.png"
  else
    # several degraded copies of each training photo (each file name gets its own draw)
    for k in $(seq 1 "$COPIES"); do ln -s "$(realpath "$f")" "$tmp/train/${n}_$k.png"; done
    # the clean photos alone: the denoiser's polish stage adds fresh noise to every crop
    cp "$f" datasets/clean_train/
  fi
done

make_task() { # task, then the degrade options
  local task=$1; shift
  rm -rf "datasets/$task"
  $CLI degrade "$tmp/train" -o "datasets/$task/train" --seed 1 "$@"
  $CLI degrade "$tmp/val" -o "datasets/$task/val" --seed 2 --patch 128 "$@"
  $CLI degrade "$tmp/val" -o "datasets/$task/val_full" --seed 2 "$@"
}

make_task denoise --type noise --sigma 0,50
make_task derain --type rain --density 0.004,0.012 --angle -25,25 --length 12,36 --brightness 0.6,0.9
make_task deblur --type blur --length 5,17
# the deblurrer's polish stage: 16 blur draws of each training photo (a draw depends on the
# file name and seed, so the first four are those of train/)
mkdir -p "$tmp/train16"
for f in "$tmp"/train/*_1.png; do
  n=$(basename "$f" _1.png)
  for k in $(seq 1 16); do ln -s "$(readlink "$f")" "$tmp/train16/${n}_$k.png"; done
done
$CLI degrade "$tmp/train16" -o datasets/deblur/train16 --seed 1 --type blur --length 5,17
# fixed-σ validation sets for the denoiser's table (σ = 25 and 50 on the held-out photos)
for s in 25 50; do
  rm -rf "datasets/denoise/val_sigma$s"
  $CLI degrade "$tmp/val" -o "datasets/denoise/val_sigma$s" --type noise --sigma $s --seed 3
done
echo "datasets ready under datasets/"
