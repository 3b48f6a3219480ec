// The named presets: sizes (parameter counts are printed), summaries, and `difflab model --summary`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Rng, buildNetwork, networkPresets, presetNames, summary } from '../src/index.js';

const bin = new URL('../../bin/difflab.js', import.meta.url).pathname;
const difflab = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('presets build, and their parameter counts are in the intended ranges', (t) => {
  const expected: Record<string, [number, number]> = {
    default: [1e6, 2e6],
    tiny: [1e4, 1e5],
    classicUNet: [5e5, 3e6],
    singleStep: [5e5, 1e7],
    scoreUNet: [5e5, 2e6],
    // 32 px RGB with a two-layer text encoder (its vocabulary is learned from the captions, empty here).
    emoji: [2e6, 5e6],
  };
  assert.deepEqual([...presetNames].sort(), Object.keys(expected).sort());
  for (const name of presetNames) {
    const net = buildNetwork(networkPresets[name], { rng: new Rng(0) });
    const count = net.parameterCount();
    t.diagnostic(`preset ${name}: ${count.toLocaleString('en-US')} parameters`);
    const [lo, hi] = expected[name]!;
    assert.ok(count >= lo && count <= hi, `preset ${name}: ${count} parameters, expected ${lo}..${hi}`);
    net.dispose();
  }
});

test('summary traces every block, and the block parameters add up to the total', () => {
  const net = buildNetwork(networkPresets.tiny, { rng: new Rng(0) });
  const s = summary(net, [2, 1, 28, 28]);
  assert.equal(s.parameters, net.parameterCount());
  assert.deepEqual(s.blocks.at(-1), { name: 'output', shape: [2, 1, 28, 28], parameters: 0 });
  assert.deepEqual(s.blocks.find((b) => b.name === 'downsample.0')?.shape, [2, 8, 14, 14]);
  assert.match(s.text, /^UNet: 39,193 parameters/);
  assert.equal(net.training, true, 'summary must restore training mode');
  net.dispose();
});

test('difflab model --summary --preset NAME prints the count and the block shapes', () => {
  const r = difflab('model', '--summary', '--preset', 'classicUNet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ClassicUNet: [\d,]+ parameters/);
  assert.match(r.stdout, /^flatten\s+\(1, 128, 1, 1\)/m);
  const bad = difflab('model', '--preset', 'huge');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--preset must be one of default\|tiny/);
});
