#!/usr/bin/env bash
# One short run on a GPU machine (prepared by scripts/gpu-pack.sh): builds the addon against that machine's
# PyTorch libtorch (the LIBTORCH variable: CUDA included), then on the GPU, fp32 and bf16: the engine's CUDA
# queries, bench:train side by side with PyTorch eager, a short training run of the default preset through the
# CLI, and sampling from it. Everything it prints also goes to $OUT/gpu-check.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-check.txt") 2>&1
step() { echo; echo "== $* ($(date +%T))"; }

step "machine"
nvidia-smi --query-gpu=name,compute_cap,memory.total --format=csv || true
PY=${DIFFLAB_PYTHON:-$(command -v python3)}
TORCH=$("$PY" -c 'import torch, os; print(os.path.dirname(torch.__file__))')
"$PY" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'

step "node"
if ! command -v node >/dev/null; then
  xz -dc .gpu/node.xz > .gpu/node && chmod +x .gpu/node
  mkdir -p .gpu/bin && mv .gpu/node .gpu/bin/node
  export PATH="$PWD/.gpu/bin:$PATH"
fi
[[ -d node_modules ]] || ln -s .gpu/node_modules node_modules
node --version
NODE_INC=$(dirname "$(dirname "$(command -v node)")")/include/node
[[ -f $NODE_INC/node_api.h ]] || NODE_INC=$PWD/.gpu/include/node

step "addon against $TORCH"
export LIBTORCH=$TORCH
mkdir -p build/Release
# One g++ call with the flags and sources binding.gyp would pass (node-gyp is a dev tool and need not travel).
g++ -shared -fPIC -O2 -std=c++17 -fexceptions -DNAPI_CPP_EXCEPTIONS -DNAPI_VERSION=8 -Wno-unused-parameter \
  -I"$NODE_INC" -I"$(node -p "require('node-addon-api').include_dir")" \
  $(node scripts/torch-config.mjs include | sed 's/[^ ]*/-I&/g') $(node scripts/torch-config.mjs cflags) \
  $(node -p "JSON.parse(require('fs').readFileSync('binding.gyp', 'utf8')).targets[0].sources.join(' ')") \
  -o build/Release/difflab.node $(node scripts/torch-config.mjs libs)
echo -n "$LIBTORCH" > build/libtorch-location
node -e "import('./dist/src/index.js').then((d) => console.log('libtorch', d.libtorchVersion(), 'cuda', d.cudaAvailable(), d.cudaDeviceCount(), 'devices; bf16:', JSON.stringify(d.nativeBf16('cuda'))))"

export DIFFLAB_DEVICE=cuda DIFFLAB_PYTHON=$PY
step "bench:train on the GPU, batch 128 and 512 (difflab and PyTorch eager, fp32 and bf16)"
# BENCH_EMOJI=0: the emoji rows need the emoji npm packages, which a machine without the registry cannot install
BENCH_EMOJI=0 BENCH_STEPS=30 node dist/bench/train.js
BENCH_EMOJI=0 BENCH_BATCH=512 BENCH_STEPS=30 node dist/bench/train.js

step "bench:sample on the GPU (shipped model, batch 250)"
node dist/bench/sample.js

step "train the default preset on the GPU through the CLI (bf16, 300 steps on the embedded subset), then sample"
rm -rf "$OUT/run"
node bin/difflab.js train --data subset --classes --steps 300 --batch 128 --precision bf16 --sample-every 0 --out "$OUT/run"
node bin/difflab.js sample --model "$OUT/run/model.safetensors" --class all --n 20 --sampler dpmpp-2m --steps 20 --precision bf16 --out "$OUT/samples-bf16.png"
node bin/difflab.js sample --model "$OUT/run/model.safetensors" --class all --n 20 --sampler dpmpp-2m --steps 20 --precision fp32 --out "$OUT/samples-fp32.png"
step "done"
