// Batches: one seed, one sequence of batches; every image once per epoch; flips; the [-1, 1] mapping; resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, batches, loadEmbeddedSubset, makeDataset, tidy, type Batch, type Dataset } from '../src/index.js';

const subset = loadEmbeddedSubset();
const describe = (bs: Batch[]) => bs.map((b) => [[...b.indices], [...b.flipped], [...b.labels!]]);
const epoch = (d: Dataset, seed: number, batchSize = 64) => [
  ...batches(d, { batchSize, rng: new Rng(seed), augment: 'hflip' }),
];

test('the same seed gives the same batches, flips and pixels; another seed does not', () => {
  const [a, b, c] = [epoch(subset, 5), epoch(subset, 5), epoch(subset, 6)];
  assert.deepEqual(describe(a), describe(b));
  assert.notDeepEqual(describe(a), describe(c));
  const pixels = (bs: Batch[]) => tidy(() => [...bs[0]!.images().toFloat32Array()]);
  assert.deepEqual(pixels(a), pixels(b));
});

test('an epoch visits every image once; the last batch is kept or dropped', () => {
  const bs = epoch(subset, 1, 64);
  assert.deepEqual(
    bs.map((b) => b.indices.length),
    [64, 64, 64, 64, 64, 64, 64, 52],
  );
  assert.deepEqual(
    [...bs.flatMap((b) => [...b.indices])].sort((x, y) => x - y),
    [...Array(500).keys()],
  );
  assert.equal([...batches(subset, { batchSize: 64, rng: new Rng(1), remainder: 'drop' })].length, 7);
  const flips = bs.flatMap((b) => [...b.flipped]).filter((f) => f === 1).length;
  assert.ok(flips > 200 && flips < 300, `${flips} of 500 flipped, expected about half`);
});

test('pixels map to [-1, 1] (0 -> -1, 255 -> 1) and flipped images are mirrored', () => {
  const d = makeDataset({
    images: Uint8Array.from([0, 51, 255, 0, 0, 0]),
    labels: null,
    classNames: [],
    shape: [1, 1, 3],
    count: 2,
    source: 'test',
  });
  const [b] = [...batches(d, { batchSize: 2, rng: new Rng(0), order: 'ordered' })];
  assert.deepEqual(
    tidy(() => [...b!.images().toFloat32Array()]),
    [-1, Math.fround(-0.6), 1, -1, -1, -1],
  );
  let mirrored: Batch | undefined;
  for (let seed = 0; !mirrored; seed++) {
    mirrored = [...batches(d, { batchSize: 2, rng: new Rng(seed), order: 'ordered', augment: 'hflip' })][0]!;
    if (mirrored.flipped[0] !== 1) mirrored = undefined;
  }
  assert.deepEqual(
    tidy(() => [...mirrored!.images().toFloat32Array()].slice(0, 3)),
    [1, Math.fround(-0.6), -1],
  );
  assert.equal(b!.labels, null);
});
