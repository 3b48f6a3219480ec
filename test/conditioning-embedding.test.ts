// Vector ("text-style") conditioning: vectors and sequences through the U-Net (the learned projection, the null
// embedding, condition dropout per row, cross-attention), samples that follow vectors of known meaning after a
// short training, and the CLI round trip (train --embeddings --prompts, sample --embedding / --prompt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PerSampleRng,
  Rng,
  buildNetwork,
  ddim,
  dropMask,
  encodeNpy,
  encodePng,
  generate,
  loadDenoiser,
  loadModel,
  makeDataset,
  noGrad,
  readNpy,
  resolveTrainConfig,
  runJob,
  setNumThreads,
  tensor,
  tidy,
  train,
  trainingSet,
  withEmbeddings,
  type Network,
  type NetworkCond,
  type NetworkConfig,
  type Tensor,
} from '../src/index.js';
import { difflab, relativeError, tempDir } from './helpers.js';

// Tiny networks on 8x8 and 28x28 images: a second thread only adds contention on a shared 2-core machine. Measured
// here beside a training run: the 400-step training below took 14 s on one thread and 154 s on two.
setNumThreads(1);
process.env.DIFFLAB_THREADS = '1'; // the CLI runs it spawns

/** A small U-Net with attention at its second level (and, as always, in the middle). */
const small: NetworkConfig = {
  kind: 'unet',
  baseChannels: 8,
  channelMults: [1, 2],
  attentionLevels: [1],
  attentionHeads: 2,
  embedDim: 16,
  groups: 4,
};

const forward = (net: Network, x: Tensor, t: Tensor, cond: NetworkCond): Float32Array =>
  noGrad(() => tidy(() => net.forward(x, t, cond).toFloat32Array()));

/** Row i (of n) of a flat batch. */
const row = (a: Float32Array, i: number, n: number) => a.subarray((i * a.length) / n, ((i + 1) * a.length) / n);

test('vectors and sequences keep the output shape; the null embedding and cross-attention are where the config says', () => {
  const x = new Rng(2).randn([2, 1, 8, 8]),
    t = new Rng(3).rand([2]);
  for (const [extra, shape] of [
    [{ embeddingDim: 4 }, [4]],
    [{ embeddingDim: 4, embeddingLength: 3 }, [3, 4]],
  ] as const) {
    const net = buildNetwork({ ...small, ...extra }, { rng: new Rng(1) }).eval();
    assert.deepEqual(net.embeddingShape, shape);
    const out = tidy(() => [...net.forward(x, t, { embedding: new Rng(4).randn([2, ...shape]) }).shape]);
    assert.deepEqual(out, [2, 1, 8, 8]);
    const weights = net.stateDict();
    assert.deepEqual([...weights['vectorCond.nullEmbedding']!.shape], shape);
    const cross = Object.keys(weights).filter((k) => k.includes('.cross.'));
    if (shape.length === 2) {
      assert.ok(
        cross.some((k) => k.startsWith('mid.attn.cross.')) && cross.some((k) => k.startsWith('down.1.0.attn.cross.')),
        cross.join(),
      );
    } else {
      assert.deepEqual(cross, [], 'a single vector needs no cross-attention');
    }
    assert.throws(
      () => tidy(() => net.forward(x, t, { embedding: new Rng(4).randn([2, 5]) })),
      new RegExp(`embedding must have shape \\(2, ${shape.join(', ')}\\), got \\[2, 5\\]`),
    );
    net.dispose();
  }
  const plain = buildNetwork(small, { rng: new Rng(1) }).eval();
  assert.equal(plain.embeddingShape, null);
  assert.throws(() => tidy(() => plain.forward(x, t, { embedding: new Rng(4).randn([2, 4]) })), /takes no embedding/);
  plain.dispose();
  assert.throws(() => buildNetwork({ ...small, embeddingLength: 2 }), /embeddingLength 2 needs an embeddingDim/);
});

test('the null embedding: leaving the vector out is the learned null vector, and vectors change the output', () => {
  const net = buildNetwork({ ...small, embeddingDim: 4 }, { rng: new Rng(5) }).eval();
  const x = new Rng(6).randn([3, 1, 8, 8]),
    t = new Rng(7).rand([3]);
  const nul = forward(net, x, t, {});
  const nullRows = tidy(() => net.stateDict()['vectorCond.nullEmbedding']!.unsqueeze(0).repeat([3, 1]));
  assert.deepEqual(forward(net, x, t, { embedding: nullRows }), nul);
  const [a, b] = [
    forward(net, x, t, { embedding: new Rng(8).randn([3, 4]) }),
    forward(net, x, t, { embedding: new Rng(9).randn([3, 4]) }),
  ];
  assert.ok(relativeError(a, b) > 1e-3, 'two vectors give the same output');
  assert.ok(relativeError(a, nul) > 1e-3, 'a vector gives the null output');
  net.dispose();
});

test('condition dropout: per row from its own stream, reproducible, class and vector dropped together', () => {
  const n = 8,
    seed = 11;
  const net = buildNetwork({ ...small, numClasses: 3, embeddingDim: 4, labelDropout: 0.5 }, { rng: new Rng(12) });
  const x = new Rng(13).randn([n, 1, 8, 8]),
    t = new Rng(14).rand([n]),
    embedding = new Rng(15).randn([n, 4]);
  const classes = [0, 1, 2, 0, 1, 2, 0, 1];
  const trained = forward(net, x, t, { classes, embedding, rng: PerSampleRng.of(seed, n) });
  assert.deepEqual(
    forward(net, x, t, { classes, embedding, rng: PerSampleRng.of(seed, n) }),
    trained,
    'the same streams, another result',
  );
  // The batch in two halves, each row on its own stream: the same draws, so the same outputs.
  const halves = [0, 4].map((first) =>
    forward(net, x.slice(0, first, first + 4), t.slice(0, first, first + 4), {
      classes: classes.slice(first, first + 4),
      embedding: embedding.slice(0, first, first + 4),
      rng: PerSampleRng.of(seed, 4, first),
    }),
  );
  assert.ok(
    relativeError(Float32Array.from([...halves[0]!, ...halves[1]!]), trained) < 1e-5,
    'a row depends on the batch it is in',
  );
  const drops = dropMask(n, 0.5, PerSampleRng.of(seed, n)); // the draws the network made
  assert.ok(drops.includes(0) && drops.includes(1), `seed ${seed} should drop some rows and keep others: ${drops}`);
  net.eval();
  const kept = forward(net, x, t, { classes, embedding }),
    dropped = forward(net, x, t, {}); // {}: null class and null vector
  for (let i = 0; i < n; i++) {
    const want = row(drops[i] ? dropped : kept, i, n);
    assert.ok(relativeError(row(trained, i, n), want) < 1e-5, `row ${i} (${drops[i] ? 'dropped' : 'kept'})`);
  }
  net.dispose();
});

test('cross-attention: sequences with the same token mean but different tokens give different outputs', () => {
  const net = buildNetwork({ ...small, embeddingDim: 4, embeddingLength: 2 }, { rng: new Rng(16) }).eval();
  const x = new Rng(17).randn([1, 1, 8, 8]),
    t = new Rng(18).rand([1]);
  const [a, b] = [
    [1, -1, 0.5, 2],
    [-1, 1, 1.5, 0],
  ];
  const mid = a.map((v, i) => (v + b[i]!) / 2);
  const pair = forward(net, x, t, { embedding: tensor(Float32Array.from([...a, ...b]), [1, 2, 4]) });
  const twice = forward(net, x, t, { embedding: tensor(Float32Array.from([...mid, ...mid]), [1, 2, 4]) });
  assert.ok(relativeError(pair, twice) > 1e-4, 'only the pooled mean reaches the network');
  net.dispose();
});

/**
 * 256 8x8 grey images of one brightness u in [0, 1] each (plus pixel noise), and their vectors [2u - 1, z1, z2, z3]
 * with z ~ N(0, 1): the first coordinate means "brightness", the rest mean nothing.
 */
function brightnessData(n = 256) {
  const rng = new Rng(1);
  const images = new Uint8Array(n * 64),
    vectors = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    for (let p = 0; p < 64; p++)
      images[i * 64 + p] = Math.round(255 * Math.min(1, Math.max(0, u + 0.1 * rng.normal())));
    vectors.set([2 * u - 1, rng.normal(), rng.normal(), rng.normal()], i * 4);
  }
  const d = makeDataset({ images, labels: null, classNames: [], shape: [1, 8, 8], count: n, source: 'brightness' });
  return withEmbeddings(d, { data: vectors, shape: [n, 4] }, 'brightness vectors');
}

test('samples follow the requested vector: brightness rises with its coordinate, and guidance strengthens it', async () => {
  const config = resolveTrainConfig({
    data: 'brightness',
    imageChannels: 1,
    imageSize: 8,
    classNames: [],
    embeddingShape: [4],
    preset: 'tiny',
    steps: 400,
    batchSize: 32,
    lr: 1e-2,
    lrWarmupSteps: 10,
    emaHalfLifeImages: 500,
    checkpointEvery: 1000,
    sampleEvery: 0,
  });
  const { modelPath } = await train(config, trainingSet(brightnessData()), tempDir());
  const m = loadDenoiser(modelPath);
  const wanted = [-1, -0.5, 0, 0.5, 1];
  /** Mean brightness in [0, 1] of 16 samples per requested first coordinate, at guidance w. */
  const brightness = (w: number) =>
    wanted.map((a) =>
      tidy(() => {
        const embedding = tensor(
          Float32Array.from({ length: 64 }, (_, k) => (k % 4 === 0 ? a : 0)),
          [16, 4],
        );
        const x = generate(m.denoiser, {
          sampler: ddim,
          numSteps: 20,
          count: 16,
          imageShape: m.imageShape,
          embedding,
          ...(w !== 1 ? { guidance: { scale: w, nullClass: m.nullClass } } : {}),
        });
        return x.clamp(-1, 1).add(1).div(2).mean().item();
      }),
    );
  const [none, plain, guided] = [brightness(0), brightness(1), brightness(3)];
  const text = `w 0: ${none.map((b) => b.toFixed(3))}; w 1: ${plain.map((b) => b.toFixed(3))}; w 3: ${guided.map((b) => b.toFixed(3))}`;
  assert.ok(
    none.every((b) => b === none[0]),
    `guidance 0 is unconditional: ${text}`,
  );
  for (const means of [plain, guided])
    assert.ok(
      means.every((b, i) => i === 0 || b > means[i - 1]!),
      `not rising: ${text}`,
    );
  const spread = (means: number[]) => means.at(-1)! - means[0]!;
  assert.ok(spread(plain) > 0.2, `the vector barely moves the brightness: ${text}`);
  assert.ok(spread(guided) > spread(plain) + 0.1, `guidance does not strengthen it: ${text}`);

  // The edits take the vector too: SDEdit from mostly noise and inpainting the whole image follow it.
  const grey = encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(128) });
  const image = { source: 'grey.png', bytes: grey };
  const sampling = { sampler: 'ddim', numSteps: 20, eta: 1, seed: 0, guidance: 1 } as const;
  const edited = (kind: 'sdedit' | 'inpaint', a: number) =>
    tidy(() => {
      const embedding = { source: `a = ${a}`, array: { data: Float32Array.of(a, 0, 0, 0), shape: [4] } };
      const spec =
        kind === 'sdedit'
          ? { kind, image, start: { strength: 0.9 }, condition: { embedding }, ...sampling }
          : { kind, image, mask: { x: 0, y: 0, w: 8, h: 8 }, condition: { embedding }, resampleSteps: 1, ...sampling };
      const out = runJob(m, spec);
      assert.match(out.summary, new RegExp(`a = ${a}`), 'the figure does not name the vector');
      return out.panels[out.result]!.images.clamp(-1, 1).add(1).div(2).mean().item();
    });
  for (const kind of ['sdedit', 'inpaint'] as const) {
    const [dark, bright] = [edited(kind, -1), edited(kind, 1)];
    assert.ok(bright > dark + 0.2, `${kind} does not follow the vector: ${dark.toFixed(3)} vs ${bright.toFixed(3)}`);
  }
  m.network.dispose();
});

test('training data and configs refuse vectors that do not fit', () => {
  const d = brightnessData(8);
  assert.throws(
    () => withEmbeddings(d, { data: new Float32Array(28), shape: [7, 4] }, 'short.npy'),
    /short\.npy: 7 rows of embeddings for the 8 images of brightness/,
  );
  assert.throws(
    () => withEmbeddings(d, { data: new Float32Array(8), shape: [8] }, 'flat.npy'),
    /must have shape \[N, D\] or \[N, L, D\], got \[8\]/,
  );
  assert.throws(
    () => withEmbeddings(d, { data: new Float32Array(32).fill(NaN), shape: [8, 4] }, 'nan.npy'),
    /nan\.npy: value 0 is NaN/,
  );
  const facts = { data: 'x', imageChannels: 1, imageSize: 8, classNames: [], embeddingShape: [4] };
  assert.throws(() => resolveTrainConfig({ ...facts, preset: 'classicUNet' }), /embeddings need a U-Net preset/);
  const plain = resolveTrainConfig({ ...facts, embeddingShape: undefined, preset: 'tiny' });
  assert.throws(
    () => resolveTrainConfig({ ...facts, network: plain.network }),
    /the network takes no embeddings, the data has embeddings of shape \[4\] per image/,
  );
});

test('CLI: train --embeddings (sequences) --prompts, then sample --prompt and --embedding, with clear errors', () => {
  const dir = tempDir();
  const npy = (name: string, shape: number[], seed: number) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      encodeNpy(
        tidy(() => new Rng(seed).randn(shape).toFloat32Array()),
        shape,
      ),
    );
    return path;
  };
  const vectors = npy('vectors.npy', [500, 2, 4], 1); // one sequence of 2 tokens per image of the embedded subset
  mkdirSync(join(dir, 'prompts'));
  const bright = npy('prompts/bright.npy', [2, 4], 2);
  npy('prompts/dark.npy', [1, 2, 4], 3);
  const out = join(dir, 'run');
  const args = [
    'train',
    '--data',
    'subset',
    '--preset',
    'tiny',
    '--steps',
    '3',
    '--batch',
    '4',
    '--sample-every',
    '0',
    '--out',
    out,
  ];
  const dry = difflab(...args, '--embeddings', vectors, '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  const c = JSON.parse(dry.stdout);
  assert.deepEqual([c.embeddings, c.network.embeddingDim, c.network.embeddingLength], [vectors, 4, 2]);
  npy('short.npy', [7, 4], 4);
  assert.match(
    difflab(...args, '--embeddings', vectors, '--prompts', dir).stderr,
    /prompt 'short' has shape \[7, 4\]; the model takes \[2, 4\]/,
  );
  const r = difflab(...args, '--embeddings', vectors, '--prompts', join(dir, 'prompts'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /prompts bright, dark/);
  const model = join(out, 'model.safetensors');
  const loaded = loadModel(model);
  assert.deepEqual(Object.keys(loaded.prompts), ['bright', 'dark']);
  assert.deepEqual(loaded.prompts.bright!.data, readNpy(bright).data);
  loaded.network.dispose();

  const sample = (name: string, ...extra: string[]) =>
    difflab(
      'sample',
      '--model',
      model,
      '--n',
      '2',
      '--steps',
      '4',
      '--each',
      '--out',
      join(dir, `${name}.png`),
      ...extra,
    );
  const runs = [
    ['p', ['--prompt', 'bright']],
    ['e', ['--embedding', bright]],
    ['d', ['--prompt', 'dark']],
    ['g', ['--prompt', 'bright', '--guidance', '3']],
  ] as const;
  for (const [name, extra] of runs) {
    const s = sample(name, ...extra);
    assert.equal(s.code, 0, s.stderr);
  }
  const image = (name: string) => readFileSync(join(dir, `${name}-0001.png`));
  assert.deepEqual(image('p'), image('e'), 'a stored prompt and the same vector from a file give different images');
  assert.notDeepEqual(image('p'), image('d'), 'two prompts give the same image');
  assert.notDeepEqual(image('p'), image('g'), 'guidance changes nothing');
  assert.match(sample('x', '--prompt', 'nope').stderr, /unknown prompt 'nope' \(the model's prompts: bright, dark\)/);
  const png = join(dir, 'p-0000.png');
  const edit = (op: string, ...extra: string[]) =>
    difflab('edit', op, '--model', model, '--image', png, '--steps', '4', '--out', join(dir, `${op}.png`), ...extra);
  const sdedit = edit('sdedit', '--prompt', 'dark', '--guidance', '2');
  assert.equal(sdedit.code, 0, sdedit.stderr);
  assert.match(sdedit.stdout, /SDEdit \(strength 0\.5, dark\)/);
  const filled = edit('inpaint', '--box', '0,0,4,4', '--embedding', bright);
  assert.equal(filled.code, 0, filled.stderr);
  assert.match(filled.stdout, /inpainting, bright\.npy/);
  assert.match(edit('inpaint', '--box', '0,0,4,4', '--prompt', 'nope').stderr, /unknown prompt 'nope'/);
  const anagram = ['edit', 'anagram', '--model', model, '--class-a', '0', '--class-b', '1', '--prompt', 'dark'];
  assert.match(difflab(...anagram, '--out', join(dir, 'a.png')).stderr, /--prompt does not apply to edit anagram/);
  assert.match(
    sample('x', '--embedding', npy('wide.npy', [2, 5], 5)).stderr,
    /wide\.npy: shape \[2, 5\] does not fit the model's embeddings/,
  );
  assert.match(
    difflab('sample', '--n', '1', '--steps', '2', '--prompt', 'bright', '--out', join(dir, 'x.png')).stderr,
    /--prompt: .*fashion-mnist\.safetensors reads no prompts \(it reads 10 classes\)/,
  );
});
