// The single-step denoiser (task 'denoise'): trained at sigma 0.5 it removes noise there, and the sweep reports
// every test level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PIXEL_TO_DATA_SIGMA,
  Rng,
  batchImages,
  loadEmbeddedSubset,
  loadModel,
  resolveTrainConfig,
  singleStepSweep,
  singleStepTestSigmas,
  subsetOf,
  train,
  trainingSet,
} from '../src/index.js';
import { tempDir } from './helpers.js';

test("a single-step denoiser trained at the seeds' sigma 0.5 beats the noisy input there; the sweep covers 0..1", async () => {
  const data = subsetOf(
    loadEmbeddedSubset(),
    Array.from({ length: 128 }, (_, i) => i),
  );
  const config = resolveTrainConfig({
    data: 'subset',
    imageChannels: 1,
    imageSize: 28,
    classNames: [],
    preset: 'singleStep',
    task: 'denoise',
    networkOverrides: { hidden: 16 },
    steps: 120,
    batchSize: 16,
    lr: 3e-3,
    lrWarmupSteps: 10,
    checkpointEvery: 1000,
    sampleEvery: 0,
  });
  const dir = tempDir();
  const { modelPath } = await train(config, trainingSet(data), dir);
  const { network } = loadModel(modelPath);
  const x = batchImages(
    data,
    Array.from({ length: 16 }, (_, i) => i),
  );
  assert.equal(config.denoiseSigma, 1.0, "the seeds' sigma 0.5 on [0, 1] pixels is 1.0 on [-1, 1] data");
  const sweep = singleStepSweep(network, x, config.denoiseSigma, new Rng(1));
  assert.deepEqual(
    sweep.rows.map((r) => r.level),
    singleStepTestSigmas,
  );
  const at = (s: number) => sweep.rows.find((r) => r.level === s)!;
  assert.ok(at(0.6).mseDenoised < 0.5 * at(0.6).mseNoisy, `level 0.6: ${JSON.stringify(at(0.6))}`);
  assert.ok(at(0.4).mseDenoised < at(0.4).mseNoisy, `level 0.4: ${JSON.stringify(at(0.4))}`);
  assert.ok(
    Math.abs(at(0.4).mseNoisy - (0.4 * PIXEL_TO_DATA_SIGMA) ** 2) < 0.05,
    'levels are on [0, 1] pixels: data noise variance (2 level)^2',
  );
  // clean + noisy/denoised for 6 levels = 13 rows of 16 images at scale 2, under a row-label margin
  const grid = 13 * (56 + 2) + 2;
  assert.ok(sweep.figure.height >= grid && sweep.figure.width > 16 * (56 + 2) + 2, 'labels left of the rows');
  network.dispose();
});
