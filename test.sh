#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then runs the whole test suite.
#   ./test.sh            all tests (Release build)
#   ./test.sh --filter X passes extra arguments to `dotnet test`
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
# The PyTorch parity tests run Debian's python3 with python3-torch (CPU) as the independent reference.
/usr/bin/python3 -c "import torch, numpy" >/dev/null 2>&1 || need_apt+=(python3-torch python3-numpy)
# The tokenizer tests compare with Reference/bpe_reference.py, which needs the regex module for \p{L} / \p{N}.
/usr/bin/python3 -c "import regex" >/dev/null 2>&1 || need_apt+=(python3-regex)
# NFC normalisation (Qwen tokenizers) calls ICU directly: the build runs with invariant globalization.
ldconfig -p | grep -q 'libicuuc\.so' || need_apt+=(libicu72)
# The dashboard test renders the page in headless Chromium.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
scripts/apt-install.sh "${need_apt[@]}"
export PRECISION_PYTHON=/usr/bin/python3

# The multi-process cluster tests run silo processes against a throwaway password-protected redis-server on a free
# loopback port (installed when absent), stopped on exit.
redis_out="$(scripts/test-redis.sh start)"
export PRECISION_TEST_REDIS="$(sed -n 's/^PRECISION_TEST_REDIS=//p' <<<"$redis_out")"
export PRECISION_TEST_REDIS_URL="$(sed -n 's/^PRECISION_TEST_REDIS_URL=//p' <<<"$redis_out")"
redis_dir="$(sed -n 's/^PRECISION_TEST_REDIS_DIR=//p' <<<"$redis_out")"

log="$(mktemp)"
trap 'rm -f "$log"; scripts/test-redis.sh stop "$redis_dir"' EXIT
set +e
dotnet test Precision.Orleans.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI: "N passed, N failed, N skipped", summed over the test projects.
read -r passed failed skipped < <(grep -E 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" \
  | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
