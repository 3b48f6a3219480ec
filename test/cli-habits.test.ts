// The command line's habits: `difflab help CMD`, suggestions for mistyped commands and options, short flags for
// the common options, counts with the right plural; and plot axes that get labels on any range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { logTicks } from '../src/index.js';
import { closest } from '../src/cli/suggest.js';
import { difflab, tempDir } from './helpers.js';

test('difflab help CMD prints the same help as difflab CMD --help', () => {
  for (const cmd of ['sample', 'edit', 'train']) {
    const a = difflab('help', cmd),
      b = difflab(cmd, '--help');
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.match(a.stdout, new RegExp(`^difflab ${cmd}:`));
  }
  const unknown = difflab('help', 'smaple');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'smaple' \(did you mean sample\?\)/);
});

test('mistyped commands and options get the closest name, far-off ones none', () => {
  assert.match(difflab('trian').stderr, /did you mean train\?/);
  assert.match(difflab('sample', '--stesp', '3').stderr, /Unknown option '--stesp' \(did you mean --steps\?\)/);
  assert.match(difflab('edit', 'sdedit', '--strenght', '0.5').stderr, /did you mean --strength\?/);
  const far = difflab('sample', '--zzzzzz', '1');
  assert.equal(far.code, 2);
  assert.doesNotMatch(far.stderr, /did you mean/);
  assert.equal(closest('x', ['n', 'out']), 'n');
  assert.equal(closest('model', ['mode', 'models']), 'mode');
  assert.equal(closest('completely', ['n', 'out']), null);
});

test('-n, -o and -m are the short forms of --n, --out and --model; counts are singular for one', () => {
  const out = join(tempDir(), 'one.png');
  const r = difflab(
    'sample',
    '-n',
    '1',
    '-o',
    out,
    '-m',
    'models/fashion-mnist.safetensors',
    '--sampler',
    'ddim',
    '--steps',
    '1',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(out));
  assert.match(r.stdout, /wrote 1 image to .*ddim, 1 step, seed 0/);
  assert.match(difflab('sample', '--help').stdout, /-n, --n VALUE/);
});

test('a log-scale axis gets at least three labelled ticks on any range', () => {
  const span = (lo: number, hi: number) => logTicks(Math.log10(lo), Math.log10(hi)).map((v) => 10 ** v);
  assert.deepEqual(
    span(1e-4, 1).map((v) => Number(v.toPrecision(3))),
    [1e-4, 1e-3, 1e-2, 0.1, 1],
  );
  for (const [lo, hi] of [
    [0.03, 0.05],
    [0.041, 0.046],
    [0.2, 3],
    [5, 9],
  ] as const) {
    const ticks = span(lo, hi);
    assert.ok(ticks.length >= 2, `[${lo}, ${hi}]: ${ticks}`);
    assert.ok(
      ticks.every((t) => t >= lo * 0.999 && t <= hi * 1.001),
      `[${lo}, ${hi}]: ${ticks}`,
    );
  }
  assert.ok(span(0.03, 0.05).length >= 3, 'a short loss curve: 0.03, 0.04, 0.05');
});
