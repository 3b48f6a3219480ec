// --prompts FILE beyond a plain grid, on a tiny text model trained here on captioned shapes in class folders
// ("red-circle/", ...) with a tiny classifier of those classes: `difflab eval` over the prompts (its samples are
// the ones `sample` draws for them, prompt fidelity in the report, FID's reference of the prompted classes or, said
// so, of the data at large) and `difflab sample --compare-guidance` with a block of rows per prompt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Rng,
  loadDenoiser,
  makeDataset,
  namedClassRanks,
  pickPromptImages,
  promptClasses,
  promptFidelity,
  readShards,
  runJob,
  saveClassifier,
  setNumThreads,
  splitHalves,
  tensor,
  tidy,
  trainClassifier,
} from '../src/index.js';
import { difflab, tempDir } from './helpers.js';
import { tinyTextModel } from './editing-helpers.js';

setNumThreads(1);
process.env.DIFFLAB_THREADS = '1'; // the CLI's samples compare bit for bit with this process's
const D = tempDir('difflab-prompt-lists-');
process.env.DIFFLAB_CACHE = join(D, 'cache'); // the folder's pixel cache, for this process and the CLI's
const size = 12;
// Four classes: red and blue circles and squares, six pictures each, captioned "red circle" and "a red circle";
// the model reads text only, the folders are the classifier's.
const {
  modelPath: T,
  data,
  folder,
} = await tinyTextModel({
  shapes: {
    size,
    per: 6,
    heldOut: ['green circle', 'green square', 'green triangle', 'red triangle', 'blue triangle'],
    classFolders: true,
  },
  out: D,
});
const C = join(D, 'shapes-classifier.safetensors');
saveClassifier(C, await trainClassifier(data, null, { epochs: 2, batchSize: 8, augment: 'none' }));

const file = (name: string, text: string) => {
  writeFileSync(join(D, name), text);
  return join(D, name);
};
const PROMPTS = file('prompts.txt', 'red circle\n\na blue square\n');
const evalArgs = (prompts: string, out: string) =>
  ['eval', '--model', T, '--classifier', C, '--prompts', prompts, '--guidance', '3', '--sampler', 'ddim'].concat([
    '--steps',
    '3',
    '--n',
    '8',
    '--batch',
    '8',
    '--kid-subsets',
    '2',
    '--precision',
    'fp32',
    '--out',
    join(D, out),
  ]);

test('a prompt names the classes of the pictures it captions, else the class of its name; ranks, fidelity, picks', () => {
  const d = makeDataset({
    images: new Uint8Array(6),
    labels: Int32Array.from([0, 1, 1, 2, 0, 1]),
    classNames: ['dog', 'dog face', 'cat', 'bird'],
    shape: [1, 1, 1],
    count: 6,
    captions: [['dog'], ['dog', 'dog face'], ['dog face'], ['a cat'], ['hound'], ['dog face']],
    source: 'animals',
  });
  const prompts = ['Dog!', 'dog face', 'A  CAT', 'bird', 'fish'];
  const named = promptClasses(d, prompts);
  assert.deepEqual(named, [[0, 1], [1], [2], [3], []]); // "dog" captions both; "bird" only by its name
  // Logits (4 images x 4 classes): ranks of the likeliest named class; -1 where none is named.
  const logits = tensor(Float32Array.from([1, 2, 0, 0, 0, 0, 0, 1, 3, 2, 1, 0, 0, 0, 0, 0]), [4, 4]);
  const ranks = namedClassRanks({ logitsOf: (f) => f.mul(1) }, logits, [named[0]!, named[1]!, named[2]!, named[4]!]);
  assert.deepEqual([...ranks], [0, 1, 2, -1]);
  const f = promptFidelity(
    ranks,
    ['Dog!', 'dog face', 'A  CAT', 'fish'],
    [named[0]!, named[1]!, named[2]!, []],
    [...d.classNames],
  );
  assert.deepEqual(
    { top1: f!.top1, top5: f!.top5, n: f!.n, unnamed: f!.unnamed },
    { top1: 1 / 3, top5: 1, n: 3, unnamed: ['fish'] },
  );
  assert.deepEqual(f!.perPrompt[0], { prompt: 'Dog!', classes: ['dog', 'dog face'], n: 1, top1: 1, top5: 1 });
  // Pictures of the named classes, cycled and repeated; none when a prompt names no picture.
  const picks = pickPromptImages(d, 6, [[2], [0]], new Rng(1))!;
  assert.deepEqual([picks[0], picks[2], picks[4]], [3, 3, 3]);
  assert.deepEqual(new Set([picks[1], picks[3], picks[5]]), new Set([0, 4]));
  assert.equal(pickPromptImages(d, 4, [[2], [3]], new Rng(1)), null);
  // Halved class by class: classes of two or more pictures on both sides.
  const [a, b] = splitHalves(d, new Rng(0), 'class');
  assert.deepEqual([a.count, b.count], [3, 3]);
  for (const half of [a, b])
    assert.ok(
      [0, 1].every((c) => half.labels!.includes(c)),
      `${half.labels}`,
    );
});

test('eval --prompts: samples cycle through the prompts as sample draws them; prompt fidelity in the report', () => {
  const r = difflab(...evalArgs(PROMPTS, 'report.json'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /prompt fidelity top-1 \(8 samples\) +\d+\.\d%/);
  const report = JSON.parse(readFileSync(join(D, 'report.json'), 'utf8'));
  assert.deepEqual(report.prompts, ['red circle', 'a blue square']);
  assert.equal(report.classes, null);
  assert.equal(report.classAccuracy, null);
  assert.equal(report.guidance, 3);
  assert.equal(report.nfe, 6); // 3 steps, two network calls each under guidance
  assert.deepEqual(report.reference, { data: `folder:${folder} (half A)`, n: 8, pictures: 'prompted' });
  const f = report.promptFidelity;
  assert.equal(f.n, 8);
  assert.ok(0 <= f.top1 && f.top1 <= f.top5 && f.top5 <= 1, JSON.stringify(f));
  assert.deepEqual(
    f.perPrompt.map((p: { prompt: string; classes: string[]; n: number }) => [p.prompt, p.classes, p.n]),
    [
      ['red circle', ['red-circle'], 4],
      ['a blue square', ['blue-square'], 4],
    ],
  );
  assert.deepEqual(f.unnamed, []);
  // Sample i is what a generate job draws for prompt i % 2 with the same sampler, seed and guidance.
  const m = loadDenoiser(T);
  tidy(() => {
    const job = runJob(m, {
      kind: 'generate',
      count: 8,
      condition: { prompt: Array.from({ length: 8 }, (_, i) => report.prompts[i % 2]) },
      sampler: 'ddim',
      numSteps: 3,
      eta: 0,
      seed: 0,
      guidance: 3,
    });
    assert.deepEqual(readShards(report.workDir, 8, 8).toFloat32Array(), job.panels[0]!.images.toFloat32Array());
  });
  m.network.dispose();
});

test('eval --prompts: a prompt naming no class is not counted, and FID is said to be over the data at large', () => {
  const r = difflab(...evalArgs(file('some.txt', 'red circle\ngreen\n'), 'some.json'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /FID is over the data's pictures at large: .* named by 'green' \(1 of 2 prompts\)/);
  const report = JSON.parse(readFileSync(join(D, 'some.json'), 'utf8'));
  assert.equal(report.reference.pictures, 'all');
  assert.match(report.reference.note, /at large/);
  assert.equal(report.promptFidelity.n, 4);
  assert.deepEqual(report.promptFidelity.unnamed, ['green']);
  assert.deepEqual(
    report.promptFidelity.perPrompt.map((p: { prompt: string }) => p.prompt),
    ['red circle'],
  );
});

test('eval --prompts: a model that reads no text, an empty file, and --classes beside it get one line', () => {
  const cases: [string[], RegExp][] = [
    [['--prompts', PROMPTS], /--prompts: .*fashion-mnist\.safetensors reads no text \(it reads 10 classes\)/],
    [['--model', T, '--prompts', file('empty.txt', '\n  \n')], /--prompts .*empty\.txt: no prompts \(one per line\)/],
    [['--model', T, '--prompts', PROMPTS, '--classes', '0'], /give --classes or --prompts, not both/],
    [['--model', T, '--guidance', '3'], /need a class-conditional model \(this one reads text: give --prompts FILE\)/],
  ];
  for (const [args, message] of cases) {
    const out = join(D, 'refused.json');
    const r = difflab('eval', ...args, '--n', '4', '--out', out);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(out));
  }
});

test('sample --prompts --compare-guidance: a block per prompt, a row per scale, the images --guidance draws', () => {
  const grid = join(D, 'cfg.png');
  const r = difflab(
    ...['sample', '--model', T, '--prompts', PROMPTS, '--n', '2', '--steps', '3', '--compare-guidance', '0,3'],
    ...['--each', '--out', grid],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote 4 rows \(2 prompts x guidance 0, 3\) of 2 to /);
  const plain = join(D, 'w3.png');
  const p = difflab(
    ...['sample', '--model', T, '--prompts', PROMPTS, '--n', '2', '--steps', '3', '--guidance', '3'],
    ...['--each', '--out', plain],
  );
  assert.equal(p.code, 0, p.stderr);
  // Row order: red circle w 0, red circle w 3, a blue square w 0, a blue square w 3.
  for (const [compared, single] of [
    ['cfg-0002.png', 'w3-0000.png'],
    ['cfg-0006.png', 'w3-0002.png'],
    ['cfg-0007.png', 'w3-0003.png'],
  ])
    assert.ok(readFileSync(join(D, compared)).equals(readFileSync(join(D, single))), `${compared} != ${single}`);
  assert.ok(!readFileSync(join(D, 'cfg-0000.png')).equals(readFileSync(join(D, 'w3-0000.png'))), 'w 0 = w 3');
});
