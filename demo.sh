#!/usr/bin/env bash
# The main job: the paper's sanity test (§4) end to end on the embedded single-process default.
#   1. pretrain a small base policy on worked arithmetic (it solves problems only partially),
#   2. build its perfectible set (problems it solves 20–80% of the time),
#   3. RL fine-tune it with pg-seq-is in FP16 (and in BF16 for comparison), measuring the
#      training–inference mismatch every step, and write the HTML report.
#   ./demo.sh                 everything into runs/demo/
# Takes about 10 minutes on 2 otherwise idle CPU cores. The longer acceptance grid is
# examples/sanity-grid.yaml; the issue-2 offline mismatch analysis is examples/mismatch-demo.sh.
set -euo pipefail
cd "$(dirname "$0")"

echo "== build (Release)"
# -v minimal prints each project as it builds (the first build takes a minute or two on 2 cores).
dotnet build src/Client -c Release --nologo -v minimal -clp:NoSummary
PRECISION="dotnet src/Client/bin/Release/net10.0/precision.dll"

echo "== pretrain -> runs/demo/base"
$PRECISION pretrain --out runs/demo/base --overwrite

echo "== sanity-set -> runs/demo/base/sanity-set.jsonl"
$PRECISION sanity-set --model runs/demo/base --count 512 --samples 24

echo "== experiment (pg-seq-is, fp16/fp16 and bf16/bf16) -> runs/demo/sanity"
$PRECISION experiment examples/demo-grid.yaml --out runs/demo/sanity

echo
echo "Report:  $(cd runs/demo/sanity && pwd)/experiment.html"
echo "Metrics: $(cd runs/demo/sanity && pwd)/*/metrics.csv"
