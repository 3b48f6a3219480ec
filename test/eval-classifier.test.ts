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
  // And libtorch keeps nothing behind them. malloc's and oneDNN's pools grow for a while and then level off
  // (about +140 MiB over the first 40 calls; later windows of 40 grew 1 to 58 MiB depending on the load of the
  // machine), so the check starts after 60 calls. Each measurement makes about 20 MiB of activations
  // (2 x 100 images x 32 channels x 28 x 28 floats in the first layer alone): keeping them would add ~800 MiB.
  for (let i = 0; i < 40; i++) measure();
  const before = rssAfterGc();
  for (let i = 0; i < 40; i++) measure();
  const grown = rssAfterGc() - before;
  assert.ok(grown < 200, `resident memory grew by ${grown.toFixed(1)} MiB over 40 measurements`);
  c.classifier.dispose();
});
