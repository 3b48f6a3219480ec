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

/** The run both benchmarks time: the default preset on the embedded subset, no checkpoints, plots or previews. */
export function benchRun(o: { batch: number; steps: number; precision?: PrecisionChoice }) {
  const data = loadEmbeddedSubset();
  const config = resolveTrainConfig({
    data: 'subset',
    imageChannels: 1,
    imageSize: 28,
    classNames: [...data.classNames],
    preset: 'default',
    steps: o.steps,
    batchSize: o.batch,
    checkpointEvery: 1_000_000,
    sampleEvery: 0,
    plotEvery: 1_000_000,
    precision: o.precision ?? 'auto',
  });
  return { config, set: trainingSet(data), out: mkdtempSync(join(tmpdir(), 'difflab-bench-')) };
}

export async function trainingRate(o: {
  batch: number;
  steps: number;
  warm: number;
  precision?: PrecisionChoice;
  group?: ProcessGroup | null;
}): Promise<{ rate: number; precision: Precision }> {
  const { config, set, out } = benchRun({ ...o, steps: o.warm + o.steps });
  let t0 = 0,
    rate = 0;
  await train(config, set, out, {
    ...(o.group ? { group: o.group } : {}),
    onStep: (r) => {
      if (r.step === o.warm) t0 = performance.now();
      if (r.step === o.warm + o.steps) rate = (o.steps * o.batch) / ((performance.now() - t0) / 1000);
    },
  });
  return { rate, precision: config.precision };
}
