#!/usr/bin/env bash
# Routing mismatch of a small Qwen3-MoE model (issue 4): train a 4-layer qwen3_moe language model (8 experts, top-2)
# on the synthetic corpus, then `precision mismatch` for fp32, bf16 and fp16 — sequence-level mismatch and, per MoE
# layer, how often the rollout engine and the training engine route a response token to different experts.
#   examples/moe-mismatch.sh                 everything into runs/moe-mismatch/
#   DEMO_DIR=... examples/moe-mismatch.sh    somewhere else
# Knobs (environment): TRAIN_STEPS, PROMPTS, SAMPLES, MAX_NEW_TOKENS, PRECISION (a prebuilt `dotnet …/precision.dll`).
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR="${DEMO_DIR:-runs/moe-mismatch}"
TRAIN_STEPS="${TRAIN_STEPS:-300}"
PROMPTS="${PROMPTS:-32}"
SAMPLES="${SAMPLES:-8}"
MAX_NEW_TOKENS="${MAX_NEW_TOKENS:-128}"

if [[ -z "${PRECISION:-}" ]]; then
  echo "== build (Release)"
  dotnet build src/Client -c Release --nologo -v q
  PRECISION="dotnet src/Client/bin/Release/net10.0/precision.dll"
fi

echo "== train-lm (qwen3_moe) -> $DEMO_DIR/model"
$PRECISION train-lm --out "$DEMO_DIR/model" --overwrite --steps "$TRAIN_STEPS" \
  --model-type qwen3_moe --layers 4 --experts 8 --experts-per-token 2 --moe-intermediate 96

echo "== mismatch -> $DEMO_DIR/mismatch"
$PRECISION mismatch --model "$DEMO_DIR/model" --dtypes fp32,bf16,fp16 \
  --prompts "$PROMPTS" --samples "$SAMPLES" --max-new-tokens "$MAX_NEW_TOKENS" --out "$DEMO_DIR/mismatch"

echo
echo "Report: $(cd "$DEMO_DIR/mismatch" && pwd)/mismatch.html"
