#!/usr/bin/env node
// The difflab command line (compiled TypeScript in dist/; `npm run setup` builds it).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('difflab: error: not built yet; run `npm run setup` first');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
