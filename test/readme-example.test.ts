// The README's library sampling example runs as written (against this build; scripts/pack-check.sh runs it
// against the installed package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from '../src/index.js';

import { tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test("the README's library sampling example writes its grid of sneakers", () => {
  const dir = tempDir();
  const code = execFileSync(
    process.execPath,
    [join(root, 'scripts/readme-example.mjs'), join(root, 'README.md'), join(root, 'dist/src/index.js')],
    { encoding: 'utf8' },
  );
  assert.match(code, /runJob\(model, \{/);
  writeFileSync(join(dir, 'example.mjs'), code);
  const out = execFileSync(process.execPath, [join(dir, 'example.mjs')], { cwd: dir, encoding: 'utf8' });
  assert.match(out, /8 images, Sneaker \(dpmpp-2m, 10 steps, seed 0, guidance 3\)/);
  assert.ok(existsSync(join(dir, 'sneakers.png')));
  const png = decodePng(readFileSync(join(dir, 'sneakers.png')));
  assert.deepEqual([png.width, png.height], [4 * (56 + 2) + 2, 2 * (56 + 2) + 2]);
});
