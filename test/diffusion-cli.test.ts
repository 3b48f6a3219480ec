// `difflab sample` and `difflab schedule` as a user runs them, and the .npy and plot writers behind them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeNpy, decodePng, encodeNpy, linePlot, readNpy } from '../src/index.js';
import { tempDir } from './helpers.js';

const bin = new URL('../../bin/difflab.js', import.meta.url).pathname;
function difflab(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DIFFLAB_THREADS: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI in this process (no libtorch start-up per call): exit code and what it printed. */
async function difflabInProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../src/cli/main.js');
  const [log, error] = [console.log, console.error];
  let stdout = '',
    stderr = '';
  console.log = (...a: unknown[]) => {
    stdout += `${a.join(' ')}\n`;
  };
  console.error = (...a: unknown[]) => {
    stderr += `${a.join(' ')}\n`;
  };
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

const dir = tempDir();
const mixturePath = join(dir, 'mixture.json');
writeFileSync(
  mixturePath,
  JSON.stringify({
    weights: [0.7, 0.3],
    means: [
      [-3, 0, 1],
      [3, 1, 0],
    ],
    stds: [0.5, 0.8],
  }),
);

test('sample writes a float32 .npy of shape [n, dim]; sample i depends only on the seed and i', () => {
  const [a, b] = [join(dir, 'a.npy'), join(dir, 'b.npy')];
  const r = difflab(
    'sample',
    '--model',
    `gmm:${mixturePath}`,
    '--sampler',
    'dpmpp-2m',
    '--steps',
    '10',
    '--n',
    '6',
    '--seed',
    '3',
    '--out',
    a,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote 6 samples of dimension 3/);
  const npy = readNpy(a);
  assert.deepEqual(npy.shape, [6, 3]);
  assert.ok(npy.data.every(Number.isFinite));
  assert.equal(
    difflab(
      'sample',
      '--model',
      `gmm:${mixturePath}`,
      '--sampler',
      'dpmpp-2m',
      '--steps',
      '10',
      '--n',
      '9',
      '--seed',
      '3',
      '--out',
      b,
    ).code,
    0,
  );
  assert.deepEqual(readNpy(b).data.subarray(0, 18), npy.data);
});

test('sample with guidance draws from the chosen class', async () => {
  const out = join(dir, 'guided.npy');
  const r = await difflabInProcess(
    'sample',
    '--model',
    `gmm:${mixturePath}`,
    '--sampler',
    'ddim',
    '--steps',
    '20',
    '--n',
    '50',
    '--class',
    '1',
    '--guidance',
    '1',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const { data } = readNpy(out);
  for (let i = 0; i < 50; i++) assert.ok(data[3 * i]! > 0, `sample ${i} is not from class 1 (x = ${data[3 * i]})`);
});

test('sample rejects bad input with one line and a non-zero exit code', async () => {
  const bad = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return `gmm:${p}`;
  };
  const out = join(dir, 'x.npy');
  const cases: [string[], RegExp][] = [
    [['--model', `gmm:${join(dir, 'missing.json')}`, '--sampler', 'heun'], /cannot read/],
    [['--model', bad('broken.json', '{"weights": [1], '), '--sampler', 'heun'], /JSON/],
    [
      ['--model', bad('nan.json', '{"weights":[1],"means":[["NaN"]],"stds":[1]}'), '--sampler', 'heun'],
      /means\[0\]\[0\]/,
    ],
    [
      ['--model', bad('sum.json', '{"weights":[0.5,0.4],"means":[[0],[1]],"stds":[1,1]}'), '--sampler', 'heun'],
      /sum to 1/,
    ],
    [['--model', `gmm:${mixturePath}`, '--sampler', 'euler'], /--sampler must be one of/],
    [['--model', 'runs/model.safetensors', '--sampler', 'heun'], /--out must name a \.png file/], // image models write PNGs
    [['--model', `gmm:${mixturePath}`, '--sampler', 'ddim', '--eta', '2'], /--eta must be <= 1/],
    [['--model', `gmm:${mixturePath}`, '--sampler', 'ddim', '--guidance', '3'], /needs --class/],
    [['--model', `gmm:${mixturePath}`, '--sampler', 'ddim', '--class', '5'], /classes are 0, 1/],
  ];
  for (const [args, message] of cases) {
    const r = await difflabInProcess('sample', ...args, '--out', out);
    assert.notEqual(r.code, 0, `${args.join(' ')} exited 0`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `more than one line: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // The binary itself: the exit code reaches the shell.
  const r = difflab('sample', '--model', `gmm:${mixturePath}`, '--sampler', 'heun', '--out', join(dir, 'x.png'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^difflab: error: --out must name a \.npy file/);
});

test('schedule --plot writes a PNG of the alpha_bar, log-SNR, sigma_t, g(t) and beta_t panels', async () => {
  const out = join(dir, 'schedules.png');
  const r = await difflabInProcess('schedule', '--plot', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\bcosine\b/);
  const png = decodePng(readFileSync(out));
  assert.deepEqual([png.width, png.height], [640, 1500], 'five panels: alpha_bar, log-SNR, sigma_t, g(t), beta_t');
});

test('.npy: header padded to 64 bytes, float32 round trip, 1-D shapes', () => {
  const data = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 1);
  const bytes = encodeNpy(data, [4, 3]);
  const headerLength = bytes[8]! + 256 * bytes[9]!;
  assert.equal((10 + headerLength) % 64, 0);
  assert.match(
    Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1'),
    /'descr': '<f4', 'fortran_order': False, 'shape': \(4, 3\)/,
  );
  assert.deepEqual(decodeNpy(bytes), { data, shape: [4, 3] });
  assert.deepEqual(decodeNpy(encodeNpy(data, [12])).shape, [12]);
  assert.throws(() => decodeNpy(new Uint8Array(20)), /magic/);
});

test('linePlot draws each curve in its colour, and log-y drops non-positive values', () => {
  const x = [1, 2, 3, 4];
  const img = linePlot(
    [
      { label: 'a', x, y: [1, 10, 100, 1000], color: [255, 0, 0] },
      { label: 'b', x, y: [0, 2, 3, 5], color: [0, 0, 255] },
    ],
    { width: 300, height: 200, logY: true },
  );
  assert.deepEqual([img.width, img.height, img.data.length], [300, 200, 300 * 200 * 4]);
  const count = (r: number, g: number, b: number) => {
    let c = 0;
    for (let i = 0; i < img.data.length; i += 4)
      if (img.data[i] === r && img.data[i + 1] === g && img.data[i + 2] === b) c++;
    return c;
  };
  assert.ok(count(255, 0, 0) > 100 && count(0, 0, 255) > 100, 'both curves are drawn');
  assert.throws(() => linePlot([{ label: 'empty', x: [1], y: [-1] }], { logY: true }), /no finite points/);
});
