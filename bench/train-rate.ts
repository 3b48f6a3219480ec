// What bench:train and bench:dist both time: the default preset trained on the embedded subset, images/s over
// `steps` steps after `warm` warm-up steps (the rate is measured where the trainer reports steps: rank 0).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadDatasetAsync,
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

/**
 * The colour text-to-image preset's training rate: `--preset emoji --text` on the emoji corpus (32 px RGB, captions
 * read by the text encoder trained with the U-Net), images/s over `steps` steps after `warm`. No PyTorch copy: the
 * text encoder is difflab's own.
 */
export async function emojiTrainingRate(o: {
  batch: number;
  steps: number;
  warm: number;
  precision: PrecisionChoice;
}): Promise<number> {
  const { dataset } = await loadDatasetAsync('emoji');
  const config = resolveTrainConfig({
    data: 'emoji',
    imageChannels: dataset.shape[0]!,
    imageSize: dataset.shape[1]!,
    classNames: [],
    captions: dataset.captions!,
    preset: 'emoji',
    steps: o.warm + o.steps,
    batchSize: o.batch,
    checkpointEvery: 1_000_000,
    sampleEvery: 0,
    plotEvery: 1_000_000,
    precision: o.precision,
  });
  let t0 = 0,
    rate = 0;
  await train(config, trainingSet(dataset), mkdtempSync(join(tmpdir(), 'difflab-bench-')), {
    onStep: (r) => {
      if (r.step === o.warm) t0 = performance.now();
      if (r.step === o.warm + o.steps) rate = (o.steps * o.batch) / ((performance.now() - t0) / 1000);
    },
  });
  return rate;
}
