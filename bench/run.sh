#!/usr/bin/env bash
# Builds the benchmark (Release) and runs all benchmarks, each against its peer in the same run:
#   gemm        ours vs OpenBLAS cblas_sgemm (libopenblas0-pthread)
#   train-step  ours vs PyTorch (torch_train_step.py)
#   decode      ours vs PyTorch (torch_decode.py)
#   lora        LoRA vs full fine-tuning train step, merged vs unmerged adapter decode (not in the default set)
#   policy-iteration  pg-seq-is vs grpo-token-tis, one RL policy iteration at equal batch (not in the default set:
#               ~2 min; extra options after the name, e.g. `bench/run.sh 2 policy-iteration` or with
#               BENCH_ARGS="--model runs/base --problems runs/base/sanity-set.jsonl")
#   grain-call  an empty grain call between two Orleans silos (loopback TCP): p50/p99, calls/s sequential and with 64
#               concurrent calls, beside the removed stand-in runtime's saved figures (not in the default set)
#   weight-publish  a 10M-parameter weight version from the learner to 1, 4, 16 receivers on two other silos through the
#               silos' weight caches: delivered MB/s (not in the default set)
#   weight-probe  where one receiver's weight fetch spends its time: byte[] vs pooled chunks, 1 vs 4 chunk-serving
#               activations, a fresh vs a reused buffer, 1 vs 4 connections per silo pair (not in the default set)
#   sharded-step  the distributed learner on two learner-role silos, 1/2/4 gradient workers × 1/3 shards: step time, weight
#               fetch, the consensus round split into BeginStep / Reduce / Apply (incl. the shard-log write), MB moved per
#               step; the old-log-prob pass on the workers vs the learner's own; a sharded vs a full checkpoint (not in the
#               default set; ~70 s; BENCH_ARGS="--report PREFIX" writes PREFIX.html and two SVG charts, "--redis CONFIG"
#               keeps the shard logs in Redis instead of memory grain storage)
#   rollout-cluster  rollout tokens/s of an RL run, learner silo + one rollout silo vs embedded (not in the default set)
#   hf-load     loading a ~500M-parameter BF16 sharded HF checkpoint to fp32 / fp16: time and peak RSS vs the
#               converted weights, against reading the files' bytes (not in the default set: writes ~1 GB to /tmp)
# Usage: bench/run.sh [threads] [benchmark ...]      e.g. bench/run.sh 2 gemm
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-2}"; shift || true
BENCHES=("$@"); [ ${#BENCHES[@]} -eq 0 ] && BENCHES=(gemm train-step decode)

need_apt=()
[ -e /usr/lib/x86_64-linux-gnu/libopenblas.so.0 ] || ldconfig -p | grep -q 'libopenblas.so.0' || need_apt+=(libopenblas0-pthread)
/usr/bin/python3 -c "import torch, numpy" >/dev/null 2>&1 || need_apt+=(python3-torch python3-numpy)
scripts/apt-install.sh "${need_apt[@]}"

# Same thread budget for everyone: our GEMM (--threads), the .NET thread pool, OpenBLAS, PyTorch.
export OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS" DOTNET_PROCESSOR_COUNT="$THREADS"
export PRECISION_PYTHON=/usr/bin/python3
# PyTorch's OpenMP workers spin-wait by default; on a shared, oversubscribed machine that makes a
# step several times slower (measured 9.6 s vs 2.6 s here), which would flatter us. Passive waiting
# costs little on an idle machine.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

dotnet build bench/Precision.Orleans.Bench -c Release --nologo -v q
BIN=bench/Precision.Orleans.Bench/bin/Release/net10.0/Precision.Orleans.Bench.dll
lscpu | grep -E 'Model name|^CPU\(s\)' || true
for b in "${BENCHES[@]}"; do
  # shellcheck disable=SC2086
  dotnet "$BIN" "$b" --threads "$THREADS" ${BENCH_ARGS:-}
  echo
done
