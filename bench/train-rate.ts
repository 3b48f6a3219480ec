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
  type TrainConfig,
  type TrainingSet,
} from '../src/index.js';

/** What every timed run leaves out: checkpoints, plots and previews. */
const untimed = { checkpointEvery: 1_000_000, sampleEvery: 0, plotEvery: 1_000_000 };

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
    ...untimed,
    precision: o.precision ?? 'auto',
  });
  return { config, set: trainingSet(data), out: mkdtempSync(join(tmpdir(), 'difflab-bench-')) };
}

/** Images/s of a run of `warm` + `steps` steps over its last `steps` (measured where the trainer reports: rank 0). */
async function timedRate(
  run: { config: TrainConfig; set: TrainingSet; out: string },
  o: { batch: number; steps: number; warm: number; group?: ProcessGroup | null },
): Promise<number> {
  let t0 = 0,
    rate = 0;
  await train(run.config, run.set, run.out, {
    ...(o.group ? { group: o.group } : {}),
    onStep: (r) => {
      if (r.step === o.warm) t0 = performance.now();
      if (r.step === o.warm + o.steps) rate = (o.steps * o.batch) / ((performance.now() - t0) / 1000);
    },
  });
  return rate;
}

export async function trainingRate(o: {
  batch: number;
  steps: number;
  warm: number;
  precision?: PrecisionChoice;
  group?: ProcessGroup | null;
}): Promise<{ rate: number; precision: Precision }> {
  const run = benchRun({ ...o, steps: o.warm + o.steps });
  return { rate: await timedRate(run, o), precision: run.config.precision };
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
    ...untimed,
    precision: o.precision,
  });
  return timedRate({ config, set: trainingSet(dataset), out: mkdtempSync(join(tmpdir(), 'difflab-bench-')) }, o);
}
