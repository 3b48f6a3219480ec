// difflab eval end to end on a tiny model trained here in seconds, the JSON report's documented fields, and
// resumable sample shards (an interrupted run resumes to the same shards as an uninterrupted one).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_CLASSIFIER_PATH,
  encodePng,
  ddim,
  generateShards,
  indices,
  loadDenoiser,
  loadEmbeddedSubset,
  PerSampleRng,
  resolveTrainConfig,
  train,
  trainingSet,
} from '../src/index.js';
import { difflab, tempDir } from './helpers.js';

let modelPath = '';
before(async () => {
  const data = loadEmbeddedSubset();
  const config = resolveTrainConfig({
    data: 'subset',
    imageChannels: 1,
    imageSize: 28,
    classNames: [...data.classNames],
    preset: 'tiny',
    steps: 20,
    batchSize: 16,
    lrWarmupSteps: 5,
    checkpointEvery: 20,
    sampleEvery: 0,
  });
  modelPath = (await train(config, trainingSet(data), tempDir())).modelPath;
});

const evalArgs = (out: string) => [
  'eval',
  '--model',
  modelPath,
  '--classifier',
  DEFAULT_CLASSIFIER_PATH,
  '--sampler',
  'ddim',
  '--steps',
  '20',
  '--n',
  '64',
  '--batch',
  '24',
  '--kid-subsets',
  '10',
  '--pr',
  '--out',
  out,
];

/** The report fields docs/MODELS.md documents: `format`, and the backticked names of its table's first column. */
function documentedReportFields(): string[] {
  const doc = readFileSync(new URL('../../docs/MODELS.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('Report fields (`format: "difflab-eval-1"`)'));
  const rows = table
    .split('\n')
    .slice(2)
    .filter((l) => l.startsWith('| `'));
  const names = rows.flatMap((l) => [...l.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!));
  return ['format', ...names].sort();
}

test('difflab eval --n 64 on a tiny model writes the documented report, and a rerun reuses its shards', () => {
  const out = join(tempDir(), 'report.json');
  const first = difflab(...evalArgs(out));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /FID/);
  const r = JSON.parse(readFileSync(out, 'utf8'));
  // Exactly the fields docs/MODELS.md's table documents (a and b are the --real report's).
  assert.deepEqual(
    Object.keys(r).sort(),
    documentedReportFields().filter((k) => k !== 'a' && k !== 'b'),
  );
  assert.equal(r.kind, 'model');
  assert.equal(r.n, 64);
  assert.equal(r.nfe, 20);
  assert.equal(r.reference.n, 64);
  assert.equal(r.floor.n, 64);
  assert.ok(r.fid > r.floor.fid, `a 20-step model (FID ${r.fid}) is worse than real data (${r.floor.fid})`);
  for (const k of ['mean', 'std', 'subsets', 'subsetSize']) assert.ok(k in r.kid && k in r.floor.kid, `kid.${k}`);
  assert.equal(r.classAccuracy.perClass.length, 10);
  assert.equal(
    r.classAccuracy.perClass.reduce((a: number, p: { n: number }) => a + p.n, 0),
    64,
  );
  const shards = readdirSync(r.workDir).filter((f) => f.endsWith('.npy'));
  assert.deepEqual(shards, ['shard-000000.npy', 'shard-000001.npy', 'shard-000002.npy']); // 24 + 24 + 16: --n exactly

  const again = difflab(...evalArgs(out));
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).fid, r.fid);
  const other = difflab(...evalArgs(out).map((a) => (a === '20' ? '10' : a)));
  assert.equal(other.code, 1);
  assert.match(other.stderr, /holds samples of another run/);
});

test("an eval given its sampler's default --steps takes the shards of one given none: the same samples", () => {
  const out = join(tempDir(), 'r.json');
  const args = evalArgs(out)
    .filter((a, i, all) => a !== '--steps' && all[i - 1] !== '--steps')
    .map((a) => (a === 'ddim' ? 'ddpm' : a === '64' ? '8' : a));
  const none = difflab(...args);
  assert.equal(none.code, 0, none.stderr);
  const first = JSON.parse(readFileSync(out, 'utf8'));
  const all = difflab(...args, '--steps', String(first.nfe)); // DDPM's default: every timestep of the model's T
  assert.equal(all.code, 0, all.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).fid, first.fid);
  assert.match(difflab(...args, '--steps', String(first.nfe - 1)).stderr, /holds samples of another run/);
});

test("difflab eval --sampler ddpm --variance beta samples with the seed's sigma_t^2 = beta_t and says so", () => {
  const dir = tempDir();
  const ddpm = (out: string, ...more: string[]) =>
    difflab(...evalArgs(out).map((a) => (a === 'ddim' ? 'ddpm' : a === '64' ? '8' : a)), ...more);
  const posterior = ddpm(join(dir, 'posterior.json'));
  assert.equal(posterior.code, 0, posterior.stderr);
  const beta = ddpm(join(dir, 'beta.json'), '--variance', 'beta');
  assert.equal(beta.code, 0, beta.stderr);
  const [p, b] = ['posterior', 'beta'].map((f) => JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')));
  assert.deepEqual([p.variance, b.variance, b.eta], ['posterior', 'beta', null]);
  const shard = (r: { workDir: string }) => readFileSync(join(r.workDir, 'shard-000000.npy'));
  assert.ok(!shard(p).equals(shard(b)), 'the two variances draw different samples');
  // Shards of one variance are not taken for the other's.
  const mixed = ddpm(join(dir, 'beta.json'));
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /holds samples of another run/);
  const wrong = ddpm(join(dir, 'x.json'), '--eta', '0.5');
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--eta applies to the ddim sampler only, not ddpm/);
});

test('an interrupted generation resumes to the same shards as an uninterrupted one', async () => {
  const model = loadDenoiser(modelPath);
  const run = (dir: string, signal?: AbortSignal, onShard?: () => void) =>
    generateShards({
      dir,
      n: 20,
      samplesPerShard: 8,
      identity: { model: modelPath },
      signal,
      onShard,
      generate: (first, count) =>
        ddim(model.denoiser, [count, 1, 28, 28], {
          rng: PerSampleRng.of(7, count, first),
          numSteps: 5,
          cond: indices(Array.from({ length: count }, (_, k) => (first + k) % 10)),
        }),
    });
  const whole = tempDir(),
    resumed = tempDir();
  assert.equal(await run(whole), 'done');
  const stop = new AbortController();
  assert.equal(await run(resumed, stop.signal, () => stop.abort()), 'aborted');
  assert.deepEqual(
    readdirSync(resumed).filter((f) => f.endsWith('.npy')),
    ['shard-000000.npy'],
  );
  let made = 0;
  assert.equal(
    await run(resumed, undefined, () => {
      made += 1;
    }),
    'done',
  );
  assert.equal(made, 3);
  for (const f of ['shard-000000.npy', 'shard-000001.npy', 'shard-000002.npy']) {
    assert.ok(readFileSync(join(whole, f)).equals(readFileSync(join(resumed, f))), `${f} differs after resume`);
  }
  model.network.dispose();
});

test('difflab eval --real A --real B reports the real-vs-real distance', () => {
  const out = join(tempDir(), 'floor.json');
  const r = difflab(
    'eval',
    '--real',
    'subset',
    '--real',
    'fashion-mnist-test',
    '--n',
    '200',
    '--kid-subsets',
    '10',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  // precision, recall: --pr
  const realFields = ['format', 'kind', 'n', 'a', 'b', 'classifier', 'featureDim', 'fid', 'kid', 'recognised'];
  assert.deepEqual(Object.keys(report), realFields);
  const documented = [...documentedReportFields(), 'a', 'b']; // a and b: in the row of kind
  assert.ok(
    realFields.every((k) => documented.includes(k)),
    'the real report is documented',
  );
  assert.equal(report.kind, 'real');
  assert.equal(report.n, 200);
  assert.ok(report.fid >= 0 && report.fid < 20, `real vs real FID ${report.fid}`);
  assert.equal(report.kid.subsetSize, 100);
  assert.ok(report.kid.std > 0, 'KID subsets differ');
  // Both sets are real Fashion-MNIST: each is recognised about as often as the classifier's own held-out pictures.
  const { share, floorShare, perClass } = report.recognised;
  assert.ok(share > 0.6 && floorShare > 0.6, `recognised ${share} / ${floorShare}`);
  assert.equal(perClass.length, 10, 'every class among the recognised real pictures');
  assert.match(r.stdout, /recognised \d+(\.\d)?% \/ \d+(\.\d)?%/);
});

test('difflab eval --real folder:DIR reads folders as train does: through libvips into the pixel cache', () => {
  const dir = tempDir();
  const data = loadEmbeddedSubset();
  for (const [name, first] of [
    ['a', 0],
    ['b', 1],
  ] as const) {
    mkdirSync(join(dir, name)); // even and odd images: the subset is ordered by class
    for (let i = first; i < 400; i += 2) {
      const pixels = data.images.subarray(i * 784, (i + 1) * 784); // uint8 grey
      const rgba = new Uint8Array(28 * 28 * 4).map((_, k) => (k % 4 === 3 ? 255 : pixels[k >> 2]!));
      writeFileSync(join(dir, name, `${i}.png`), encodePng({ width: 28, height: 28, data: rgba }));
    }
  }
  const cache = join(dir, 'cache');
  const saved = process.env.DIFFLAB_CACHE;
  process.env.DIFFLAB_CACHE = cache;
  try {
    const out = join(dir, 'floor.json');
    const args = ['eval', '--real', `folder:${join(dir, 'a')}`, '--real', `folder:${join(dir, 'b')}`, '--n', '200'];
    const r = difflab(...args, '--kid-subsets', '5', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(report.n, 200);
    assert.ok(report.fid > 0 && report.fid < 20, `real vs real FID ${report.fid}`);
    assert.ok(existsSync(cache) && readdirSync(cache).length > 0, 'the folders were not decoded into the cache');
  } finally {
    if (saved === undefined) delete process.env.DIFFLAB_CACHE;
    else process.env.DIFFLAB_CACHE = saved;
  }
});

test('difflab eval: a missing model or classifier is a one-line error', () => {
  const out = join(tempDir(), 'r.json');
  const r = difflab('eval', '--model', '/nonexistent/model.safetensors', '--out', out);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no such model file/);
  const c = difflab('eval', '--classifier', '/nonexistent/c.safetensors', '--out', out);
  assert.match(c.stderr, /no such classifier file/);
});
