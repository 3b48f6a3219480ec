// Text-to-image: the tokenizer, captions read from both kinds of folder, the text encoder in the U-Net (training,
// saving and loading), and a model of known meaning: trained on coloured shapes captioned "red circle", ..., its
// samples show the colour and the shape the prompt names, also for a pair held out of training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Rng,
  Tokenizer,
  buildNetwork,
  ddim,
  generate,
  loadDenoiser,
  loadImageFolder,
  noGrad,
  resolveTrainConfig,
  setNumThreads,
  tensor,
  tidy,
  train,
  trainingSet,
  withFolderCaptions,
  END_ID,
  PAD_ID,
  UNK_ID,
  encodePng,
} from '../src/index.js';
import { tempDir } from './helpers.js';
import { SHAPES, judge, shapePicture, textNet, writeShapeFolder, type Colour, type Shape } from './text-shapes.js';

setNumThreads(1); // tiny networks: a second thread only adds contention on a shared 2-core machine

test('tokenizer: words from captions, <unk> for new words (named), <end> and padding, cut to the context, ASCII only', () => {
  const tk = Tokenizer.fromCaptions(['Red circle', 'a red square', 'blue, square!'], 5);
  assert.deepEqual(tk.vocabulary, ['red', 'square', 'a', 'blue', 'circle']); // most frequent first, then a-z
  const e = tk.encode('RED  purple square');
  assert.deepEqual([...e.ids], [3, UNK_ID, 4, END_ID, PAD_ID]);
  assert.deepEqual(e.unknownWords, ['purple']);
  assert.deepEqual([...tk.encode('').ids], [END_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]);
  const long = tk.encode('a red blue square circle red');
  assert.deepEqual(long.droppedWords, ['circle', 'red']);
  assert.equal(long.ids[4], END_ID);
  assert.deepEqual([...tk.encode('Rëd').ids], [...tk.encode('red').ids]); // accents folded
  assert.throws(() => tk.encode('red ♥'), /prompt 'red ♥': '♥' is not a letter/);
  assert.throws(() => new Tokenizer(['Red'], 4), /not lower-case ASCII/);
});

/** A folder of two pictures, a.png and b.png (8x8 red circles). */
function pictureFolder(): string {
  const dir = tempDir();
  const rng = new Rng(1);
  for (const f of ['a.png', 'b.png'])
    writeFileSync(join(dir, f), encodePng({ width: 8, height: 8, data: shapePicture('red', 'circle', 8, rng) }));
  return dir;
}

test('captions: metadata.jsonl rows (a string or a list) or a .txt per picture; missing, extra, repeated rows are refused', () => {
  const load = (dir: string) => withFolderCaptions(loadImageFolder(dir, { size: 8, cacheDir: null }).dataset, dir);
  const dir = pictureFolder();
  assert.throws(() => load(dir), /has no captions: give it a metadata\.jsonl/);
  writeFileSync(join(dir, 'a.txt'), 'a red circle\n\nred disc\n');
  assert.throws(() => load(dir), /b\.txt: missing \(1 of the 2 pictures/);
  writeFileSync(join(dir, 'b.txt'), 'another\n');
  assert.deepEqual(load(dir).captions, [['a red circle', 'red disc'], ['another']]);
  const meta = (rows: object[]) =>
    writeFileSync(join(dir, 'metadata.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  meta([
    { file_name: 'a.png', text: 'first' },
    { file_name: 'b.png', text: ['second', 'two'] },
  ]);
  assert.deepEqual(load(dir).captions, [['first'], ['second', 'two']]); // metadata.jsonl wins over .txt files
  meta([{ file_name: 'a.png', text: 'first' }]);
  assert.throws(() => load(dir), /metadata\.jsonl: no row for b\.png/);
  meta([
    { file_name: 'a.png', text: 'x' },
    { file_name: 'b.png', text: 'y' },
    { file_name: 'c.png', text: 'z' },
  ]);
  assert.throws(() => load(dir), /metadata\.jsonl line 3: 'c\.png' is not a picture of the folder/);
  meta([
    { file_name: 'a.png', text: 'x' },
    { file_name: 'a.png', text: 'y' },
    { file_name: 'b.png', text: 'z' },
  ]);
  assert.throws(() => load(dir), /line 2: 'a\.png' has a row already/);
  meta([
    { file_name: 'a.png', text: '' },
    { file_name: 'b.png', text: 'z' },
  ]);
  assert.throws(() => load(dir), /line 1: "text" must be a caption/);
  meta([
    { file_name: 'a.png', text: 'caf\u00e9' },
    { file_name: 'b.png', text: 'smile \u263a' },
  ]);
  assert.throws(() => load(dir), /b\.png: caption 'smile ☺' holds '☺'/);
});

test('the text encoder: prompts change the output, leaving them out is the empty prompt, cross-attention reads tokens', () => {
  const net = buildNetwork(textNet(['red', 'blue', 'circle']), { rng: new Rng(3) }).eval();
  const tk = new Tokenizer(['red', 'blue', 'circle'], 6);
  const x = new Rng(2).randn([2, 3, 8, 8]),
    t = tensor([0.3, 0.3], [2]);
  const run = (texts: string[] | null) =>
    noGrad(() =>
      tidy(() => net.forward(x, t, texts ? { tokens: tensor(tk.encodeAll(texts), [2, 6]) } : {}).toFloat32Array()),
    );
  const empty = run(['', '']),
    none = run(null),
    red = run(['red circle', 'red circle']),
    blue = run(['blue circle', 'blue circle']);
  assert.deepEqual(none, empty);
  const diff = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0);
  assert.ok(diff(red, blue) > 1e-3, 'different prompts gave the same output');
  assert.ok(Object.keys(net.stateDict()).some((k) => k.includes('.cross.')));
  assert.throws(
    () => net.forward(x, t, { tokens: tensor(new Int32Array(10), [2, 5]) }),
    /tokens must have shape \(2, 6\)/,
  );
  x.dispose();
  t.dispose();
});

test('a model of known meaning: samples show the colour and shape the prompt names, also a pair never trained on', async () => {
  const size = 12;
  const heldOut = 'blue triangle';
  const dir = writeShapeFolder(tempDir(), { size, per: 24, heldOut: [heldOut] });
  const data = withFolderCaptions(loadImageFolder(dir, { size, channels: 3, cacheDir: null }).dataset, dir);
  const config = resolveTrainConfig({
    data: `folder:${dir}`,
    imageChannels: 3,
    imageSize: size,
    classNames: [],
    captions: data.captions!,
    network: undefined,
    networkOverrides: textNet([]),
    preset: 'tiny',
    prediction: 'v',
    schedule: 'cosine',
    steps: 500,
    batchSize: 32,
    lr: 5e-3,
    lrWarmupSteps: 20,
    emaHalfLifeImages: 1000,
    checkpointEvery: 1000,
    sampleEvery: 0,
    precision: 'fp32',
  });
  assert.equal(config.network.kind, 'unet');
  const text = config.network.kind === 'unet' ? config.network.text! : null;
  assert.deepEqual([...text!.vocabulary].sort(), ['a', 'blue', 'circle', 'green', 'red', 'square', 'triangle']);
  const tokenizer = new Tokenizer(text!.vocabulary, text!.contextLength);
  const losses: number[] = [];
  const { modelPath } = await train(config, trainingSet(data, { tokenizer }), tempDir(), {
    onStep: (r) => losses.push(r.loss),
  });
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(
    mean(losses.slice(-50)) < 0.5 * mean(losses.slice(0, 50)),
    `loss did not fall: ${mean(losses.slice(0, 50))} -> ${mean(losses.slice(-50))}`,
  );

  const m = loadDenoiser(modelPath);
  assert.deepEqual(m.tokenizer?.vocabulary, text!.vocabulary); // the model file carries the tokenizer
  const n = 16;
  const score = (prompt: string) =>
    tidy(() => {
      const x = generate(m.denoiser, {
        sampler: ddim,
        numSteps: 20,
        count: n,
        imageShape: m.imageShape,
        tokens: tensor(m.tokenizer!.encodeAll(new Array<string>(n).fill(prompt)), [n, m.tokenizer!.contextLength]),
        guidance: { scale: 3, nullClass: m.nullClass },
      }).toFloat32Array();
      const [colour, shape] = prompt.split(' ') as [Colour, Shape];
      const per = 3 * size * size;
      let colours = 0;
      const shapes = Object.fromEntries(SHAPES.map((s) => [s, 0])) as Record<Shape, number>;
      for (let i = 0; i < n; i++) {
        const j = judge(x.subarray(i * per, (i + 1) * per), size);
        colours += j.colour === colour ? 1 : 0;
        shapes[j.shape] += 1 / n;
      }
      return { colours: colours / n, shape: shapes[shape], shapes };
    });
  const results = Object.fromEntries(
    ['red circle', 'green square', 'blue circle', 'red triangle', heldOut].map((p) => [p, score(p)]),
  );
  const text_ = JSON.stringify(results);
  for (const [p, r] of Object.entries(results)) {
    assert.ok(r.colours >= 0.8, `${p}: colour right in ${r.colours * 100}% of samples (${text_})`);
    // A pair never seen: the named shape is drawn more often than any other, and well above chance (1/3).
    const floor = p === heldOut ? 0.45 : 0.8;
    assert.ok(
      r.shape >= floor && r.shape === Math.max(...Object.values(r.shapes)),
      `${p}: shapes ${JSON.stringify(r.shapes)} (${text_})`,
    );
  }
  m.network.dispose();
});
