#!/usr/bin/env node
// Prints the README's library sampling example (the ```js block after `<!-- example: library-sampling -->`) with
// its `from 'difflab'` pointed at the given module (a package name or a path), so tests and the package check run
// exactly what the README shows. Usage: node scripts/readme-example.mjs README.md SPECIFIER > example.mjs
import { readFileSync } from 'node:fs';

const [readme, specifier] = process.argv.slice(2);
const text = readFileSync(readme, 'utf8');
const marker = text.indexOf('<!-- example: library-sampling -->');
const block = marker < 0 ? null : /```js\n([\s\S]*?)```/.exec(text.slice(marker));
if (!block || !specifier) {
  console.error('readme-example: no ```js block after <!-- example: library-sampling --> (or no specifier given)');
  process.exit(1);
}
process.stdout.write(block[1].replaceAll("from 'difflab'", `from '${specifier}'`));
