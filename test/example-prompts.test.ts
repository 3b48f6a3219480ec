// A text model's example prompts: drawn from its training captions with the run's seed (short ones first,
// distinct), stored in the run config of config.json, the checkpoints and the model file, read back by loadModel,
// reported by the doors (ModelInfo, /api/info) and written into an older file by setExamplePrompts without
// touching its tensors. A bad stored value is refused naming the field; a file without them still loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkStoredConfig,
  drawExamplePrompts,
  latestCheckpoint,
  loadCheckpoint,
  loadDenoiser,
  loadModel,
  modelConditioning,
  modelInfo,
  resumedConfig,
  setExamplePrompts,
  setNumThreads,
} from '../src/index.js';
import { startServer } from '../src/server/index.js';
import { tinyModelFile, tinyTextModel } from './editing-helpers.js';
import { tempDir } from './helpers.js';

setNumThreads(1);
const run = tempDir('difflab-examples-');
const { modelPath, data } = await tinyTextModel({ out: run });
const classModel = await tinyModelFile(2);

/** A safetensors file's header (JSON) and its data bytes. */
function parts(path: string): { header: Record<string, unknown>; data: Buffer } {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  return { header: JSON.parse(b.subarray(8, 8 + n).toString('utf8')), data: b.subarray(8 + n) };
}
const storedConfig = (path: string) =>
  JSON.parse((parts(path).header.__metadata__ as Record<string, string>).config!) as Record<string, unknown>;

test('drawExamplePrompts: distinct first captions in an order the seed fixes, those of up to 3 words first', () => {
  const captions = [
    ['a large red circle on a white ground', 'circle'],
    ['red circle'],
    ['Red, circle!'], // the same words as 'red circle': counted once
    ['blue square', 'a blue square'],
    ['green triangle'],
    ['yellow star'],
    ['a small yellow star in a corner'],
    ['#'], // no words: never a prompt
  ];
  const drawn = drawExamplePrompts(captions, 0, 5);
  assert.deepEqual(drawExamplePrompts(captions, 0, 5), drawn, 'one seed, one draw');
  assert.equal(drawn.length, 5);
  const words = (p: string) =>
    p
      .toLowerCase()
      .match(/[a-z0-9]+/g)!
      .join(' ');
  assert.equal(new Set(drawn.map(words)).size, 5, 'distinct');
  assert.deepEqual(
    drawn.slice(0, 4).map(words).sort(),
    ['blue square', 'green triangle', 'red circle', 'yellow star'],
    'the short ones first',
  );
  assert.equal(drawn[4], 'a small yellow star in a corner', 'then the shortest long one');
  const orders = new Set([0, 1, 2, 3, 4, 5].map((seed) => drawExamplePrompts(captions, seed, 4).join('|')));
  assert.ok(orders.size > 1, 'the seed changes the order');
  assert.deepEqual(drawExamplePrompts([], 0), []);
});

test('a run on captioned data stores its example prompts in config.json, its checkpoints and the model file', () => {
  const want = drawExamplePrompts(data.captions!, 0);
  assert.ok(want.length >= 4, `the shapes' captions give examples: ${JSON.stringify(want)}`);
  assert.deepEqual(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).examplePrompts, want);
  assert.deepEqual(loadCheckpoint(latestCheckpoint(run)!).config.examplePrompts, want);
  const m = loadModel(modelPath);
  assert.deepEqual(m.config.examplePrompts, want, 'saved and loaded back');
  m.network.dispose();
  const d = loadDenoiser(modelPath);
  assert.deepEqual(modelInfo(d).examplePrompts, want, 'the doors see them');
  assert.match(modelConditioning(d), new RegExp(`it reads text prompts, e\\.g\\. '${want[0]}' or '${want[1]}'`));
});

test('a stored config: example prompts optional (older files), a bad value refused naming the field', () => {
  const config = storedConfig(modelPath);
  const { examplePrompts: _, ...older } = config;
  assert.equal(checkStoredConfig(older).examplePrompts, undefined, 'a file that predates them loads');
  const classConfig = storedConfig(classModel);
  for (const [bad, on] of [
    ['red circle', config],
    [[], config],
    [['red circle', 7], config],
    [['  '], config],
    [['caf\u00e9 \u2603'], config],
    [Array.from({ length: 33 }, (_, i) => `shape ${i}`), config],
    [['red circle'], classConfig], // a network that reads no text
  ] as const) {
    assert.throws(
      () => checkStoredConfig({ ...on, examplePrompts: bad }),
      /^Error: 'examplePrompts' must be a list of 1 to 32 prompts .*, of a network that reads text, got /,
      JSON.stringify(bad),
    );
  }
});

test('setExamplePrompts rewrites the stored config alone: every tensor byte and the other metadata as they were', () => {
  const copy = join(tempDir('difflab-examples-copy-'), 'model.safetensors');
  copyFileSync(modelPath, copy);
  setExamplePrompts(copy, ['green triangle', 'red circle']);
  const [before, after] = [parts(modelPath), parts(copy)];
  assert.ok(after.data.equals(before.data), 'the data bytes are identical');
  const { __metadata__: mb, ...tb } = before.header as Record<string, Record<string, string>>;
  const { __metadata__: ma, ...ta } = after.header as Record<string, Record<string, string>>;
  assert.deepEqual(ta, tb, 'the tensor entries are identical');
  assert.deepEqual({ ...ma, config: '' }, { ...mb, config: '' }, 'the other metadata is identical');
  assert.deepEqual(
    { ...storedConfig(copy), examplePrompts: null },
    { ...storedConfig(modelPath), examplePrompts: null },
    'the config differs in its examples only',
  );
  const m = loadModel(copy);
  assert.deepEqual(m.config.examplePrompts, ['green triangle', 'red circle']);
  m.network.dispose();
  assert.throws(() => setExamplePrompts(copy, []), /model\.safetensors: 'examplePrompts' must be a list/);
  assert.throws(() => setExamplePrompts(classModel, ['red']), /'examplePrompts' .*reads text/);
  assert.ok(parts(copy).data.equals(before.data), 'a refused rewrite leaves the file');
});

test('resuming a run started before example prompts were recorded is no change of its settings', () => {
  const now = loadModel(modelPath);
  now.network.dispose();
  const { examplePrompts: _, ...saved } = now.config;
  const next = resumedConfig(saved, now.config, 3, run);
  assert.deepEqual(next.examplePrompts, now.config.examplePrompts);
  assert.deepEqual(next.history, [], 'not recorded as a change');
});

test('/api/info reports the model its example prompts', async () => {
  const server = await startServer({ modelPath, port: 0 });
  try {
    const info = (await (await fetch(`${server.url}/api/info`)).json()) as { model: { examplePrompts: string[] } };
    assert.deepEqual(info.model.examplePrompts, drawExamplePrompts(data.captions!, 0));
  } finally {
    await server.close();
  }
});
