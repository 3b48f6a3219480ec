// The difflab binary as a user runs it: help, version, one-line errors, and the demo's PNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '../src/index.js';
import { difflab, tempDir } from './helpers.js';

test('--help lists the commands and --version prints the package version', () => {
  const help = difflab('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: difflab COMMAND/);
  assert.match(help.stdout, /^\s+demo\s+/m);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(difflab('--version').stdout.trim(), pkg.version);
});

test('every command has --help', async () => {
  const { commands } = await import('../src/cli/main.js');
  for (const c of commands) {
    const r = difflab(c.name, '--help');
    assert.equal(r.code, 0, `${c.name} --help failed: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`usage: difflab ${c.name}`));
  }
});

test('unknown commands, unknown options and bad values exit non-zero with one line', () => {
  for (const args of [['nope'], ['demo', '--bogus'], ['demo', '--steps', 'many'], ['demo', '--steps', '-3']]) {
    const r = difflab(...args);
    assert.notEqual(r.code, 0, `${args.join(' ')} exited 0`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: more than one line: ${r.stderr}`);
    assert.match(r.stderr, /^difflab: error: /);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, 'a stack trace leaked');
  }
});

test('demo trains a few steps, lowers the loss and writes a PNG of three rows of 8 images', () => {
  const dir = tempDir();
  const out = join(dir, 'demo.png');
  const r = difflab('demo', '--steps', '60', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const [, first, last] = /loss ([\d.]+) -> ([\d.]+)/.exec(r.stdout)!.map(Number);
  assert.ok(last! < first! * 0.5, `loss ${first} -> ${last}`);
  const img = decodePng(readFileSync(out));
  // 8 columns x 3 rows of 16x16 images scaled x4 with 2-pixel padding
  assert.equal(img.width, 8 * (64 + 2) + 2);
  assert.equal(img.height, 3 * (64 + 2) + 2);
  assert.deepEqual(readdirSync(dir), ['demo.png']);
  assert.ok(existsSync(out));
});

test('serve on a port in use or an address not here exits 1 with one line instead of hanging', async () => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const port = (busy.address() as { port: number }).port;
  const { spawnSync } = await import('node:child_process');
  const bin = new URL('../../bin/difflab.js', import.meta.url).pathname;
  for (const [args, why] of [
    [['--port', String(port)], 'the port is in use'],
    [['--port', '0', '--host', 'no-such-host.invalid'], 'no such address on this machine'],
  ] as const) {
    const r = spawnSync(process.execPath, [bin, 'serve', ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
    assert.match(r.stderr.trim(), new RegExp(`^difflab: error: cannot listen on .*: ${why}$`));
  }
  busy.close();
});
