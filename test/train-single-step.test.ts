// The single-step denoiser (task 'denoise'): trained at sigma 0.5 it removes noise there, and the sweep reports
// every test level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng, batchImages, loadEmbeddedSubset, loadModel, resolveTrainConfig, singleStepSweep, singleStepTestSigmas, subsetOf,
  train, trainingSet,
} from '../src/index.js';
import { tempDir } from './helpers.js';

test('a single-step denoiser trained at sigma 0.5 beats the noisy input there; the sweep covers 0..1', async () => {
  const data = subsetOf(loadEmbeddedSubset(), Array.from({ length: 128 }, (_, i) => i));
  const config = resolveTrainConfig({
    data: 'subset', imageChannels: 1, imageSize: 28, classNames: [], preset: 'singleStep', task: 'denoise',
    networkOverrides: { hidden: 16 }, steps: 120, batchSize: 16, lr: 3e-3, lrWarmupSteps: 10, checkpointEvery: 1000,
    sampleEvery: 0,
  });
  const dir = tempDir();
  const { modelPath } = await train(config, trainingSet(data), dir);
  const { network } = loadModel(modelPath);
  const x = batchImages(data, Array.from({ length: 16 }, (_, i) => i));
  const sweep = singleStepSweep(network, x, 0.5, new Rng(1));
  assert.deepEqual(sweep.rows.map((r) => r.sigma), singleStepTestSigmas);
  const at = (s: number) => sweep.rows.find((r) => r.sigma === s)!;
  assert.ok(at(0.5 + 0.1).mseDenoised < 0.5 * at(0.6).mseNoisy, `sigma 0.6: ${JSON.stringify(at(0.6))}`);
  assert.ok(at(0.4).mseDenoised < at(0.4).mseNoisy, `sigma 0.4: ${JSON.stringify(at(0.4))}`);
  // 7 rows (clean + noisy/denoised for 6 levels... 1 + 2*6 = 13 strips) of 16 images, scale 2
  assert.equal(sweep.figure.height, 13 * (56 + 2) + 2);
  network.dispose();
});
