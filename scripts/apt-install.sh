#!/usr/bin/env bash
# Installs the given Debian packages (no-op when none are given). Used by test.sh and bench/run.sh,
# which first work out which of their dependencies are missing.
set -euo pipefail
[ $# -eq 0 ] && exit 0
echo "== installing: $*"
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "$@" >/dev/null
