// The shipped Fashion-MNIST feature classifier: it loads, records its test accuracy, and classifies the embedded
// subset (500 images of the TEST split, 50 per class) correctly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import {
  DEFAULT_CLASSIFIER_PATH,
  batchImages,
  classifierAccuracy,
  classifyImages,
  compareFeatures,
  loadClassifier,
  liveTensorCount,
  loadEmbeddedSubset,
  tidy,
} from '../src/index.js';
import { rssAfterGc } from './helpers.js';

test('the shipped classifier loads, is small, and classifies >= 90% of the 500 embedded test images', () => {
  const c = loadClassifier(DEFAULT_CLASSIFIER_PATH);
  assert.ok(statSync(DEFAULT_CLASSIFIER_PATH).size < 1_000_000, 'classifier file under 1 MB');
  assert.ok(c.testAccuracy !== null && c.testAccuracy >= 0.92, `recorded test accuracy ${c.testAccuracy}`);
  assert.equal(c.classNames.length, 10);
  const subset = loadEmbeddedSubset();
  const accuracy = classifierAccuracy(c.classifier, subset);
  assert.ok(accuracy >= 0.9, `accuracy on the embedded subset ${accuracy}`);
  tidy(() => {
    const { features, predicted } = classifyImages(
      c.classifier,
      batchImages(
        subset,
        Int32Array.from({ length: 40 }, (_, i) => i),
      ),
    );
    assert.deepEqual(features.shape, [40, c.classifier.config.featureDim]);
    assert.equal(predicted.length, 40);
  });
  c.classifier.dispose();
});

test('measuring again and again does not grow resident memory (every tensor released)', () => {
  const c = loadClassifier(DEFAULT_CLASSIFIER_PATH);
  const subset = loadEmbeddedSubset();
  const ids = Int32Array.from({ length: 100 }, (_, i) => i * 4 + 1);
  const measure = () =>
    tidy(() => {
      const a = classifyImages(c.classifier, batchImages(subset, ids)).features;
      const b = classifyImages(
        c.classifier,
        batchImages(
          subset,
          ids.map((i) => i - 1),
        ),
      ).features;
      return compareFeatures(a, b, { kidSubsets: 3, precisionRecall: true }).fid;
    });
  // Every tensor made by a measurement is released: exact, whatever the allocator does.
  const live = liveTensorCount();
  for (let i = 0; i < 20; i++) measure();
  assert.equal(liveTensorCount(), live, 'tensors left alive by 20 measurements');
  // And libtorch keeps nothing behind them. malloc's and oneDNN's pools grow for a while and then level off, by
  // amounts that depend on the load of the machine (+140 MiB over the first 40 calls here; one CI run saw a window of
  // 40 calls after 60 grow 278 MiB). A leak does not level off: each measurement makes about 20 MiB of activations
  // (2 x 100 images x 32 channels x 28 x 28 floats in the first layer alone), so keeping them would add ~600 MiB to
  // EVERY window of 30 calls. So the check passes as soon as one of up to five windows grows less than 100 MiB.
  for (let i = 0; i < 30; i++) measure();
  const windows: number[] = [];
  let grown = Infinity;
  for (let w = 0; w < 5 && grown >= 100; w++) {
    const before = rssAfterGc();
    for (let i = 0; i < 30; i++) measure();
    grown = rssAfterGc() - before;
    windows.push(grown);
  }
  assert.ok(
    grown < 100,
    `resident memory grew in every window of 30 measurements: ${windows.map((g) => g.toFixed(1)).join(', ')} MiB`,
  );
  c.classifier.dispose();
});
