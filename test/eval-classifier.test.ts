// The shipped Fashion-MNIST feature classifier: it loads, records its test accuracy, and classifies the embedded
// subset (500 images of the TEST split, 50 per class) correctly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import {
  DEFAULT_CLASSIFIER_PATH, batchImages, classifierAccuracy, classifyImages, loadClassifier, loadEmbeddedSubset, tidy,
} from '../src/index.js';

test('the shipped classifier loads, is small, and classifies >= 90% of the 500 embedded test images', () => {
  const c = loadClassifier(DEFAULT_CLASSIFIER_PATH);
  assert.ok(statSync(DEFAULT_CLASSIFIER_PATH).size < 1_000_000, 'classifier file under 1 MB');
  assert.ok(c.testAccuracy !== null && c.testAccuracy >= 0.92, `recorded test accuracy ${c.testAccuracy}`);
  assert.equal(c.classNames.length, 10);
  const subset = loadEmbeddedSubset();
  const accuracy = classifierAccuracy(c.classifier, subset);
  assert.ok(accuracy >= 0.9, `accuracy on the embedded subset ${accuracy}`);
  tidy(() => {
    const { features, predicted } = classifyImages(c.classifier, batchImages(subset, Int32Array.from({ length: 40 }, (_, i) => i)));
    assert.deepEqual(features.shape, [40, c.classifier.config.featureDim]);
    assert.equal(predicted.length, 40);
  });
  c.classifier.dispose();
});
