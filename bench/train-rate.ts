// What bench:train and bench:dist both time: the default preset trained on the embedded subset, images/s over
// `steps` steps after `warm` warm-up steps (the rate is measured where the trainer reports steps: rank 0).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadEmbeddedSubset,
  resolveTrainConfig,
  train,
  trainingSet,
  type Precision,
  type PrecisionChoice,
  type ProcessGroup,
} from '../src/index.js';

export async function trainingRate(o: {
  batch: number;
  steps: number;
  warm: number;
  precision?: PrecisionChoice;
  group?: ProcessGroup | null;
}): Promise<{ rate: number; precision: Precision }> {
  const data = loadEmbeddedSubset();
  const config = resolveTrainConfig({
    data: 'subset',
    imageChannels: 1,
    imageSize: 28,
    classNames: [...data.classNames],
    preset: 'default',
    steps: o.warm + o.steps,
    batchSize: o.batch,
    checkpointEvery: 1_000_000,
    sampleEvery: 0,
    plotEvery: 1_000_000,
    precision: o.precision ?? 'auto',
  });
  let t0 = 0,
    rate = 0;
  await train(config, trainingSet(data), mkdtempSync(join(tmpdir(), 'difflab-bench-')), {
    ...(o.group ? { group: o.group } : {}),
    onStep: (r) => {
      if (r.step === o.warm) t0 = performance.now();
      if (r.step === o.warm + o.steps) rate = (o.steps * o.batch) / ((performance.now() - t0) / 1000);
    },
  });
  return { rate, precision: config.precision };
}
