#!/usr/bin/env bash
# Makes what the GPU machine runs: a self-contained linux-x64 publish of gpu-check and the precision console (the GPU
# machine has no .NET), compressed to .gpu/publish.tar.xz, and checks that it fits the device tool's 64 MiB limit on
# what travels (with the rest of the working tree). Carry it with `carry: [".gpu"]`; scripts/gpu-check.sh unpacks it.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$((64 * 1024 * 1024))
stage=.gpu/publish
rm -rf "$stage" .gpu/publish.tar.xz
mkdir -p "$stage"
for project in src/Engine.Gpu.Check src/Client; do
  echo "publishing $project (self-contained linux-x64)"
  dotnet publish "$project" -c Release -r linux-x64 --self-contained true -p:DebugType=none -p:GenerateDocumentationFile=false \
    -o "$stage" --nologo -v quiet
done
tar -C .gpu -cf - publish | xz -T0 -9 > .gpu/publish.tar.xz.tmp
mv .gpu/publish.tar.xz.tmp .gpu/publish.tar.xz
rm -rf "$stage"
packed=$(stat -c %s .gpu/publish.tar.xz)
# what else travels: tracked files plus untracked ones git does not ignore
tree=$(git ls-files -co --exclude-standard -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
total=$((packed + tree))
printf 'publish.tar.xz: %.1f MiB; working tree: %.1f MiB; together %.1f MiB of the 64 MiB limit\n' \
  "$(echo "$packed / 1048576" | bc -l)" "$(echo "$tree / 1048576" | bc -l)" "$(echo "$total / 1048576" | bc -l)"
if (( total >= limit )); then
  echo "gpu-pack: the carried tree would be $total bytes, over the 64 MiB limit" >&2
  exit 1
fi
