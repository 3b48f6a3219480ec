// The addon's ops are declared in three places: the C++ function (native/*.cc), the export list (EXPORT(...) and
// exports.Set(...) in the same files) and the TypeScript interface (src/engine/addon.ts). This test reads all
// three, and the built addon itself, and names every op that one of them lacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { native } from '../src/engine/addon.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sources = readdirSync(join(root, 'native'))
  .filter((f) => f.endsWith('.cc'))
  .map((f) => ({ file: `native/${f}`, text: readFileSync(join(root, 'native', f), 'utf8') }));
const all = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!);

/** Names passed to an EXPORT-style macro or exports.Set, per source file. */
const exported = sources.flatMap(({ file, text }) =>
  [...all(text, /\bEXPORT\w*\((\w+)\)\s*;/g), ...all(text, /exports\.Set\("(\w+)"/g)].map((name) => ({ name, file })),
);
/** Functions defined by a macro at the start of a line (FN(name), UNARY(name, ...)) or as `static Value name(`. */
const defined = new Set(
  sources.flatMap(({ text }) => [
    ...all(text, /^[A-Z_]+\((\w+)[,)]/gm),
    ...all(text, /static Value (\w+)\(const CallbackInfo/g),
  ]),
);
const addonTs = readFileSync(join(root, 'src/engine/addon.ts'), 'utf8');
const body = addonTs.slice(addonTs.indexOf('export interface Addon {'));
const declared = new Set(all(body.slice(0, body.indexOf('\n}')), /^ {2}(\w+)\(/gm));
const classes = new Set(['TensorHandle']); // the handle class, not an op

test('every addon op is defined, exported and declared in TypeScript, and the built addon has exactly those', () => {
  const names = new Set(exported.map((e) => e.name).filter((n) => !classes.has(n)));
  assert.ok(names.size > 100 && declared.size > 100, `read ${names.size} exports and ${declared.size} declarations`);
  const problems: string[] = [];
  for (const { name, file } of exported) {
    if (classes.has(name)) continue;
    if (!defined.has(name)) problems.push(`${file} exports ${name}, which no native/*.cc defines`);
    if (!declared.has(name)) problems.push(`${file} exports ${name}, which src/engine/addon.ts does not declare`);
  }
  for (const name of declared)
    if (!names.has(name)) problems.push(`src/engine/addon.ts declares ${name}, which no native/*.cc exports`);
  const built = Object.keys(native).filter((n) => !classes.has(n));
  for (const name of built)
    if (!names.has(name)) problems.push(`the built addon has ${name}, which the sources do not export (rebuild)`);
  for (const name of names)
    if (!built.includes(name)) problems.push(`the built addon lacks ${name} (rebuild: npm run build:addon)`);
  assert.deepEqual(problems, []);
});

test('the check catches a missing declaration (negative control)', () => {
  const withoutOne = new Set(declared);
  withoutOne.delete('conv2d');
  const missing = exported.filter((e) => !classes.has(e.name) && !withoutOne.has(e.name)).map((e) => e.name);
  assert.deepEqual(missing, ['conv2d']);
});
