#!/usr/bin/env bash
# The package as a user installs it: pack the committed tree (a clean clone of HEAD, so a developer's dist/ is not
# touched), install the tarball into a fresh project from the local npm cache (its install script builds the
# addon), run the README's library sampling example against it, and compile a TypeScript consumer in strict mode
# against the published types. Fails on any npm EBADENGINE warning. Needs setup.sh to have run (apt packages,
# npm cache). Usage: bash scripts/pack-check.sh   (about 3 minutes, most of it the addon build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/difflab-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT
npm_quiet=(--no-audit --no-fund --prefer-offline --loglevel=warn)

echo "pack-check: clean clone of HEAD"
git clone -q "$repo" "$work/src"
cd "$work/src"
npm ci --ignore-scripts "${npm_quiet[@]}" >/dev/null          # dev tools only: pack builds TypeScript and the page
tarball=$(npm pack --silent 2>/dev/null | tail -1)
echo "pack-check: $tarball ($(du -h "$tarball" | cut -f1), $(tar tzf "$tarball" | wc -l) files)"
if tar tzf "$tarball" | grep -qE '^package/(dist/test|dist/bench|test|bench|src)/'; then
  echo "pack-check: the tarball carries tests, benchmarks or TypeScript sources" >&2; exit 1
fi

echo "pack-check: npm install into a fresh project (builds the addon)"
mkdir "$work/app" && cd "$work/app"
npm init -y >/dev/null
npm pkg set type=module
ts_version=$(node -p "require('$repo/node_modules/typescript/package.json').version")
types_version=$(node -p "require('$repo/node_modules/@types/node/package.json').version")
npm install "${npm_quiet[@]}" "$work/src/$tarball" "typescript@$ts_version" "@types/node@$types_version" 2>&1 | tee install.log
if grep -q EBADENGINE install.log; then echo "pack-check: npm warns about engines (above)" >&2; exit 1; fi

echo "pack-check: the README's library sampling example"
node "$repo/scripts/readme-example.mjs" "$repo/README.md" difflab > example.mjs
node example.mjs
test -s sneakers.png || { echo "pack-check: the example wrote no sneakers.png" >&2; exit 1; }

echo "pack-check: a TypeScript consumer, strict"
cat > tsconfig.json <<'EOF'
{ "compilerOptions": { "strict": true, "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "noEmit": true, "skipLibCheck": false, "types": ["node"] }, "files": ["consumer.ts"] }
EOF
cat > consumer.ts <<'EOF'
import { loadDenoiser, runJob, tidy, type GenerateSpec, type JobOutput, type LoadedDenoiser } from 'difflab';
const model: LoadedDenoiser = loadDenoiser();
const spec: GenerateSpec = { kind: 'generate', count: 2, condition: { classes: [7, 7] }, sampler: 'ddim', numSteps: 2, eta: 0, seed: 1, guidance: 1 };
const summary: string = tidy(() => { const out: JobOutput = runJob(model, spec); return out.summary; });
model.network.dispose();
console.log(summary);
EOF
node node_modules/typescript/bin/tsc -p tsconfig.json
echo "pack-check: passed"
