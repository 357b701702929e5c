#!/usr/bin/env bash
# The GPU validation of issue 16, as ONE run on the GPU machine (device tool, nvidia-h200):
#   run: command "scripts/gpu-check.sh", carry [".gpu"] (made by scripts/gpu-pack.sh), timeout_s 600.
# It unpacks the self-contained publish, finds libcublasLt / libcudart (the Python environment's nvidia wheels, then the
# CUDA toolkit), and runs: the device self-test against the CPU engine; GEMM TFLOP/s of cuBLASLt vs torch.matmul; a
# random-initialised Qwen2-0.5B saved in the HF layout by us, its logits vs transformers' Qwen2ForCausalLM in fp32/bf16/
# fp16; training-step tokens/s and MFU vs PyTorch eager; decode tokens/s at batch 64 vs a PyTorch KV-cache loop; a
# short GPU-trained model through `precision mismatch --device cuda`. Everything lands in $OUT (check.log, results.jsonl,
# summary.txt, nvidia-smi.txt); each step has its own time limit so the whole run stays inside one 10-minute call.
#
# --dry-run (here, no GPU): the same steps on ILGPU's CPU accelerator with a tiny model and tiny shapes; the PyTorch
# steps report what they would run when torch/transformers are not importable. It shows everything up to the GPU.
set -uo pipefail
dry=0
[[ ${1:-} == --dry-run ]] && dry=1
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/out/gpu-check}
mkdir -p "$out"
log=$out/check.log
results=$out/results.jsonl
: > "$log"
: > "$results"
work=${TMPDIR:-/tmp}/precision-gpu-check
rm -rf "$work"
mkdir -p "$work"
status=0
export NO_COLOR=1 TERM=dumb

say() { echo "== $*" | tee -a "$log"; }
# the whole run must end inside one device call (10 minutes, with the machine's start outside it): later steps get
# what is left of the budget, and a step with under 15 s left is skipped and says so
budget=${GPU_CHECK_BUDGET_S:-540}
# run SECONDS CMD...: a step with its own time limit; its output goes to the log; a failure is recorded, not fatal
run() {
  local limit=$1
  shift
  local left=$((budget - SECONDS))
  if (( left < 15 )); then
    echo "!! skipped (time budget spent): $*" | tee -a "$log"
    echo "{\"check\":\"budget\",\"skipped\":\"out of time before: ${1##*/} ${2:-}\"}" >> "$results"
    status=1
    return 0
  fi
  (( limit > left )) && limit=$left
  echo "\$ $*" >> "$log"
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  if (( rc != 0 )); then
    echo "!! exit $rc${rc:+ }$( ((rc == 124)) && echo '(time limit)')" | tee -a "$log"
    status=1
  fi
  return 0
}

say "1. the publish"
if [[ ! -f $root/.gpu/publish.tar.xz ]]; then
  if (( dry )); then
    say "no .gpu/publish.tar.xz: making it (scripts/gpu-pack.sh)"
    "$root/scripts/gpu-pack.sh" 2>&1 | tee -a "$log" || exit 1
  else
    echo "gpu-check: .gpu/publish.tar.xz is missing; run scripts/gpu-pack.sh here and carry .gpu" | tee -a "$log" >&2
    exit 1
  fi
fi
tar -C "$work" -xJf "$root/.gpu/publish.tar.xz" || { echo "gpu-check: could not unpack the publish" | tee -a "$log"; exit 1; }
bin=$work/publish
check=$bin/gpu-check
precision=$bin/precision
"$check" --help >> "$log" 2>&1 || { echo "gpu-check: the published gpu-check does not start" | tee -a "$log"; exit 1; }

say "2. CUDA libraries"
python=${PYTHON:-python3}
libdirs=()
while IFS= read -r d; do libdirs+=("$d"); done < <(
  "$python" - <<'PY' 2>/dev/null
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
for r in roots:
    for d in sorted(glob.glob(os.path.join(r, "nvidia", "*", "lib"))):
        print(d)
PY
)
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu; do
  [[ -d $d ]] && libdirs+=("$d")
done
cublaslt=""
cudart=""
for d in "${libdirs[@]}"; do
  [[ -z $cublaslt ]] && cublaslt=$(ls "$d"/libcublasLt.so.* 2>/dev/null | sort -V | tail -1)
  [[ -z $cudart ]] && cudart=$(ls "$d"/libcudart.so.* 2>/dev/null | sort -V | tail -1)
done
for d in "${libdirs[@]}"; do LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; done
export LD_LIBRARY_PATH
[[ -n $cublaslt ]] && export PRECISION_CUBLASLT=$cublaslt
echo "libcublasLt: ${cublaslt:-not found}; libcudart: ${cudart:-not found}" | tee -a "$log"

if (( dry )); then
  simulate=(--simulate)
  export PRECISION_GPU_SIMULATOR=1
  preset=tiny
  gemm_shapes=64x64x64,64x160x64
  train_args=(--batch 2 --seq 16 --seconds 1)
  torch_train_args=(--batch 2 --seq 16 --seconds 1)
  decode_args=(--batch 4 --new-tokens 4)
  lm_args=(--steps 2 --batch 2 --seq-len 32 --hidden 32 --layers 1 --intermediate 64)
  mismatch_args=(--prompts 2 --samples 2 --max-new-tokens 8)
  torch_flags=(--dry-run)
else
  simulate=()
  preset=qwen2-0.5b
  # 4096³, then the 0.5B model's projections at 4096 tokens: qkv, o, gate/up, down, lm head
  gemm_shapes=4096x4096x4096,4096x1152x896,4096x896x896,4096x4864x896,4096x896x4864,4096x151936x896
  train_args=(--batch 4 --seq 512 --seconds 20)
  torch_train_args=(--batch 4 --seq 512 --seconds 20)
  decode_args=(--batch 64 --new-tokens 32)
  lm_args=(--steps 300 --batch 16 --seq-len 128)
  mismatch_args=(--prompts 32 --samples 4 --max-new-tokens 64)
  torch_flags=()
  say "nvidia-smi"
  nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || status=1
  head -15 "$out/nvidia-smi.txt" | tee -a "$log"
  export PRECISION_GPU_TESTS=1
fi
ref=("$python" "$root/scripts/gpu/torch_reference.py")

say "3. device self-test against the CPU engine (GEMM, per-layer outputs, log-probs, gradients, greedy tokens)"
run 120 "$check" selftest "${simulate[@]}" --report "$results"

say "4. a random-initialised Qwen2 ($preset) saved in the Hugging Face layout"
model=$work/qwen2-$preset
run 120 "$check" make-model --preset "$preset" --out "$model" --report "$results"

say "5. GEMM TFLOP/s: cuBLASLt (ours) and torch.matmul, fp16 and bf16"
run 90 "$check" gemm "${simulate[@]}" --shapes "$gemm_shapes" --dtypes fp16,bf16 --report "$results"
(( dry )) && run 60 "$check" gemm --simulate --path ilgpu --shapes 64x64x64 --dtypes fp16 --iterations 2 --report "$results"
run 90 "${ref[@]}" gemm "${torch_flags[@]}" --shapes "$gemm_shapes" --dtypes fp16,bf16 --report "$results"

say "6. logits against transformers' Qwen2ForCausalLM (fp32 within 1e-4, bf16/fp16 within the dtype's tolerance)"
tokens=$(seq -s, 11 7 235)
for dt in fp32 bf16 fp16; do
  run 120 "$check" logits "${simulate[@]}" --model "$model" --tokens "$tokens" --dtype "$dt" --out "$work/logits.$dt.bin" --report "$results"
  run 120 "${ref[@]}" logits "${torch_flags[@]}" --model "$model" --tokens "$tokens" --dtype "$dt" --ours "$work/logits.$dt.bin" --report "$results"
done

say "7. training step tokens/s and MFU (bf16, same batch) vs PyTorch eager + autocast"
run 150 "$check" train "${simulate[@]}" --model "$model" --dtype bf16 "${train_args[@]}" --report "$results"
run 120 "${ref[@]}" train "${torch_flags[@]}" --model "$model" --dtype bf16 "${torch_train_args[@]}" --report "$results"

say "8. rollout decode tokens/s at batch 64 vs a PyTorch KV-cache loop"
run 120 "$check" decode "${simulate[@]}" --model "$model" --dtype bf16 "${decode_args[@]}" --report "$results"
run 90 "${ref[@]}" decode "${torch_flags[@]}" --model "$model" --dtype bf16 "${decode_args[@]}" --report "$results"

say "9. a model trained on the device, then precision mismatch --device cuda (bf16 vs fp16)"
run 180 "$precision" train-lm --device cuda --out "$work/lm" "${lm_args[@]}"
run 120 "$precision" mismatch --device cuda --model "$work/lm" --dtypes bf16,fp16 "${mismatch_args[@]}"

say "10. summary"
"$python" "$root/scripts/gpu/torch_reference.py" summary --report "$results" --out "$out/summary.txt" 2>&1 | tee -a "$log"
(( dry )) && say "dry run done on the CPU: every step above ran on ILGPU's CPU accelerator or reported why it needs the GPU"
exit $status
