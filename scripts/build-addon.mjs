#!/usr/bin/env node
// Builds the libtorch addon with node-gyp (npm 11 does not run install scripts, so this is an explicit step).
// Skips the build when build/Release/difflab.node is newer than its sources and was built for the same LIBTORCH.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const out = 'build/Release/difflab.node';
const stamp = 'build/libtorch-location';
// Every file of native/ (a new translation unit or header is a source without a second list to keep).
const sources = [...readdirSync('native').map((f) => `native/${f}`), 'binding.gyp', 'scripts/torch-config.mjs'];
const where = process.env.LIBTORCH ?? '(system)';
const fresh =
  existsSync(out) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8') === where &&
  sources.every((s) => statSync(s).mtimeMs <= statSync(out).mtimeMs);
if (fresh && !process.argv.includes('--force')) {
  console.log(`addon up to date (${out}, libtorch ${where})`);
} else {
  console.log(`building the libtorch addon (libtorch ${where}; about a minute)...`);
  const gyp = require.resolve('node-gyp/bin/node-gyp.js');
  // Build against the running Node's own headers (nothing is downloaded): /usr for Debian's node.
  const nodeDir = dirname(dirname(process.execPath));
  const local = existsSync(join(nodeDir, 'include/node/node_api.h')) ? [`--nodedir=${nodeDir}`] : [];
  // configure + build (not rebuild): the old addon stays in place until the new one is linked.
  const run = (...args) =>
    execFileSync(process.execPath, [gyp, ...args, '--loglevel=warn', ...local], { stdio: 'inherit' });
  run('configure');
  run('build', '--jobs', 'max');
  writeFileSync(stamp, where);
}
