// The code is formatted (prettier, 120 columns: .prettierrc.json); `npm run format` fixes what this finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every source file is formatted with a 120-column limit (npm run format:check)', () => {
  const r = spawnSync(
    process.execPath,
    ['node_modules/prettier/bin/prettier.cjs', '--check', 'src', 'test', 'bench', 'web/src', 'scripts'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `not formatted (run npm run format):\n${r.stdout}${r.stderr}`);
});
