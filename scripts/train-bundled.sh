#!/usr/bin/env bash
# Trains one bundled model (coarse, then fine, then refine, polish and finish where models/<task>/{refine,polish,finish}.yml exist)
# and copies the result, its option files, logs and curves into models/<task>/. Usage: scripts/train-bundled.sh denoise|derain|deblur
# Needs the datasets of scripts/make-datasets.sh. CLI overrides where the CLI lives (default dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
task=$1
CLI=${CLI:-node dist/src/cli/main.js}
{ [ -d "datasets/$task/train" ] && [ -d datasets/clean_train ]; } || bash scripts/make-datasets.sh
resume() { ls -1 "experiments/${task}_$1/training_states/"*.state 2>/dev/null | sort -t/ -k4 -n | tail -1; }
stages=""
for stage in coarse fine refine polish finish; do [ -f "models/$task/$stage.yml" ] && stages="$stages $stage"; done
last=${stages##* }
for stage in $stages; do
  state=$(resume $stage || true)
  $CLI train -opt "models/$task/$stage.yml" ${state:+--resume "$state"}
done
cp "experiments/${task}_$last/models/net_g_latest.safetensors" "models/$task/$task.safetensors"
for stage in $stages; do
  cp "experiments/${task}_$stage/train_${task}_$stage.log" "models/$task/train_$stage.log"
  cp "experiments/${task}_$stage/curves.png" "models/$task/curves_$stage.png"
done
echo "models/$task/$task.safetensors ready"
