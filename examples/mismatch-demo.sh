#!/usr/bin/env bash
# The issue-2 mismatch demo: build, train a small language model on the synthetic corpus, then measure the
# training–inference mismatch (paper §3.5, Figure 2) for fp32, bf16 and fp16.
#   examples/mismatch-demo.sh                 everything into runs/demo/
#   DEMO_DIR=... examples/mismatch-demo.sh    somewhere else
# Extra knobs (environment): TRAIN_STEPS, PROMPTS, SAMPLES, MAX_NEW_TOKENS, TASKS, SEQ_LEN, BATCH, DTYPES.
# Takes about 4 minutes on 2 otherwise idle CPU cores (train-lm ~2.5 min, mismatch ~40 s).
# Long-form responses (~840 tokens; ~20 min: train-lm ~15, mismatch ~4):
#   TASKS=saga SEQ_LEN=1024 BATCH=8 PROMPTS=64 MAX_NEW_TOKENS=2048 DTYPES=bf16,fp16 DEMO_DIR=runs/saga examples/mismatch-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR="${DEMO_DIR:-runs/demo}"
TRAIN_STEPS="${TRAIN_STEPS:-1200}"
PROMPTS="${PROMPTS:-128}"
SAMPLES="${SAMPLES:-8}"
MAX_NEW_TOKENS="${MAX_NEW_TOKENS:-256}"
TASKS="${TASKS:-add,count,list,story}"
SEQ_LEN="${SEQ_LEN:-256}"
BATCH="${BATCH:-16}"
DTYPES="${DTYPES:-fp32,bf16,fp16}"

echo "== build (Release)"
dotnet build src/Client -c Release --nologo -v q
PRECISION="dotnet src/Client/bin/Release/net10.0/precision.dll"

echo "== train-lm -> $DEMO_DIR/model"
$PRECISION train-lm --out "$DEMO_DIR/model" --overwrite --steps "$TRAIN_STEPS" --tasks "$TASKS" --seq-len "$SEQ_LEN" --batch "$BATCH"

echo "== mismatch -> $DEMO_DIR/mismatch"
$PRECISION mismatch --model "$DEMO_DIR/model" --dtypes "$DTYPES" --tasks "$TASKS" \
  --prompts "$PROMPTS" --samples "$SAMPLES" --max-new-tokens "$MAX_NEW_TOKENS" --out "$DEMO_DIR/mismatch"

echo
echo "Report: $(cd "$DEMO_DIR/mismatch" && pwd)/mismatch.html"
echo "Data:   $(cd "$DEMO_DIR/mismatch" && pwd)/mismatch.json"
echo "Loss:   $(cd "$DEMO_DIR/model" && pwd)/loss.svg"
