#!/usr/bin/env bash
# The figures of docs/SEEDS.md's "seed 001 Part A with words" and "seed 004" sections, from the shipped emoji model:
# guidance of a prompt against the empty prompt, SDEdit and inpainting towards a prompt, an anagram and a hybrid from
# two prompts, the forward process on a colour picture. Input pictures are the corpus's own Twemoji PNGs, flattened
# onto white as the training data is. Usage: bash scripts/seed-emoji-figures.sh [MODEL] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/emoji.safetensors}
out=${2:-docs/seeds}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
difflab() { node bin/difflab.js "$@"; }

# Twemoji's red apple and grinning face at 64 px, over white (the corpus composites alpha over white).
node -e "
const sharp = (await import('sharp')).default;
const dir = 'node_modules/emoji-datasource-twitter/img/twitter/64/';
for (const [code, name] of [['1f34e', 'apple'], ['1f600', 'grinning']])
  await sharp(dir + code + '.png').flatten({ background: '#ffffff' }).png().toFile('$tmp/' + name + '.png');
" --input-type=module

difflab sample --model "$model" --prompt "red apple" --n 6 --compare-guidance 0,1,3,5,7 --sampler dpmpp-2m --steps 20 \
  --out "$out/emoji-guidance.png"
difflab edit sdedit --model "$model" --image "$tmp/apple.png" --prompt "green apple" --sweep 1,3,5,7,10,20 \
  --out "$out/emoji-sdedit-sweep.png"
difflab edit sdedit --model "$model" --image "$tmp/grinning.png" --prompt "smiling face with sunglasses" --strength 0.6 \
  --guidance 3 --out "$out/emoji-sdedit-result.png" --figure "$out/emoji-sdedit.png"
difflab edit inpaint --model "$model" --image "$tmp/grinning.png" --box 6,16,20,12 --prompt "face with open mouth" \
  --guidance 3 --out "$out/emoji-inpaint-result.png" --figure "$out/emoji-inpaint.png"
difflab edit anagram --model "$model" --prompt-a "red heart" --prompt-b "sun" --view rot180 --n 4 --out "$tmp/anagram.png" \
  --figure "$out/emoji-anagram.png"
difflab edit hybrid --model "$model" --prompt-low "grinning face" --prompt-high "pizza" --n 4 --sigma 2 --kernel 9 \
  --out "$tmp/hybrid.png" --figure "$out/emoji-hybrid.png"
difflab forward --model "$model" --image "$tmp/apple.png" --t 0,100,250,400,550,700,850,999 --out "$out/emoji-forward.png"
