#!/usr/bin/env bash
# Installs everything difflab needs on a fresh Debian machine, and does nothing that is already done:
#   apt packages (libtorch-dev, libgloo-dev for c10d's headers, dataset-fashion-mnist; with --bench also python3-torch for
#   side-by-side runs and python3-skimage for its photos),
#   npm ci (when package-lock.json changed), the libtorch addon (when its sources changed), the TypeScript build,
#   the playground page (web/ -> dist/web, when its sources changed; chromium is for its browser test).
# Usage: bash scripts/setup.sh [--bench]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtorch-dev libgloo-dev dataset-fashion-mnist chromium)
[[ " $* " == *" --bench "* ]] && packages+=(python3-torch python3-skimage)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  echo "setup: installing ${missing[*]} (apt)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.difflab-lock-hash
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_hash" ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

node scripts/build-addon.mjs
node node_modules/typescript/bin/tsc -p tsconfig.json

web_hash=$(cat package-lock.json $(find web -type f -not -path '*/node_modules/*' | sort) | sha256sum | cut -d' ' -f1)
web_stamp=dist/.difflab-web-hash
if [[ ! -f dist/web/index.html || ! -f $web_stamp || $(cat "$web_stamp") != "$web_hash" ]]; then
  echo "setup: building the playground page (web/ -> dist/web)"
  npm run --silent build:web
  echo "$web_hash" > "$web_stamp"
fi
