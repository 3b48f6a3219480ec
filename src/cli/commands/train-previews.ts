// What `difflab train` draws while it runs: sample grids of the EMA network for diffusion runs, and the seeds'
// figures for the single-step denoiser (held-out images at the trained level, and the sweep over levels).
import { join } from 'node:path';
import type { ImageValues } from '../../denoisers/index.js';
import {
  embeddingRows,
  jobDefaults,
  jobFiles,
  labelledGrid,
  PIXEL_TO_DATA_SIGMA,
  Rng,
  batchImages,
  singleStepSweep,
  tidy,
  writePng,
  type ConditionSpec,
  type Dataset,
  type Network,
  type NpyArray,
  type TrainConfig,
} from '../../index.js';
import { modelDenoiser } from '../../model/index.js';

/** What a preview grid shows, decided before sampling: its rows (a class, a prompt or a data image each) and labels. */
export interface PreviewPlan {
  rows: number;
  perRow: number;
  /** A text model's rows: the first caption of training images spread over the set. */
  prompts: string[] | null;
  /** A vector-conditioned model's rows: the index of the data image whose vector conditions the row. */
  images: number[] | null;
  guidance: number;
  title: string;
  /** One per row when rows differ (a class name, a prompt, a data image); absent for an unconditional model. */
  rowLabels?: string[];
}

/**
 * The preview's layout: one row per class (every class named, even when there are fewer than 4), else 8 prompts
 * or 4 rows; the title says step, epoch, sampler and steps, and the guidance of a conditional model.
 */
export function previewPlan(
  config: TrainConfig,
  step: number,
  o: { dataCount?: number; guidance?: number; captions?: readonly (readonly string[])[]; vectorCount?: number } = {},
): PreviewPlan {
  const k = config.classNames.length;
  const text = config.network.kind === 'unet' ? config.network.text : undefined;
  const { captions } = o;
  const prompts =
    text && captions
      ? Array.from({ length: 8 }, (_, r) => captions[Math.floor(((r + 0.5) * captions.length) / 8)]![0]!)
      : null;
  const guidance = o.guidance ?? (prompts ? jobDefaults.preview.textGuidance : 1);
  const rows = prompts ? prompts.length : k > 0 ? k : 4;
  const images =
    o.vectorCount !== undefined && k === 0
      ? Array.from({ length: rows }, (_, r) => Math.floor((r * o.vectorCount!) / rows))
      : null;
  const rowLabels = prompts ?? (k > 0 ? [...config.classNames] : images?.map((i) => `image ${i}`));
  const epoch = o.dataCount ? ` (epoch ${((step * config.batchSize) / o.dataCount).toFixed(1)})` : '';
  const guided = prompts || k > 0 ? `, guidance ${guidance}${guidance === 1 ? ' (none)' : ''}` : '';
  const how = `${guided}${images ? ', rows: the vectors of training images' : ''}`;
  const p = jobDefaults.preview;
  const title = `step ${step}${epoch}: ${p.sampler.toUpperCase()} ${p.numSteps} steps${how}, EMA weights`;
  return { rows, perRow: 8, prompts, images, guidance, title, ...(rowLabels ? { rowLabels } : {}) };
}

/** A preview grid: the generate job (jobDefaults.preview's sampler) on the EMA network, laid out by previewPlan. */
export function writePreview(
  net: Network,
  config: TrainConfig,
  path: string,
  step: number,
  vectors: NpyArray | undefined,
  captions?: readonly (readonly string[])[],
  o: { dataCount?: number; guidance?: number; dataMean?: ImageValues; dataSpread?: ImageValues } = {},
): void {
  const k = config.classNames.length;
  const { rows, perRow, prompts, images, guidance, title, rowLabels } = previewPlan(config, step, {
    ...o,
    ...(captions ? { captions } : {}),
    ...(vectors ? { vectorCount: vectors.shape[0]! } : {}),
  });
  const count = rows * perRow;
  const rowOf = (i: number) => Math.floor(i / perRow);
  // Grid row r: a class, a prompt, or the vector of data image images[r].
  const condition: ConditionSpec = prompts
    ? { prompt: Array.from({ length: count }, (_, i) => prompts[rowOf(i)]!) }
    : images
      ? {
          embedding: {
            source: 'the training vectors',
            array: {
              data: embeddingRows(
                vectors!,
                Array.from({ length: count }, (_, i) => images[rowOf(i)]!),
              ),
              shape: [count, ...vectors!.shape.slice(1)],
            },
          },
        }
      : k > 0
        ? { classes: Array.from({ length: count }, (_, i) => rowOf(i)) }
        : {};
  const p = jobDefaults.preview;
  const m = modelDenoiser(net, config, {
    precision: config.precision,
    source: 'the run',
    step,
    priorMean: o.dataMean ?? null,
    priorSpread: o.dataSpread ?? null,
  });
  tidy(() => {
    const out = jobFiles.generate.run(m, {
      kind: 'generate',
      count,
      condition,
      sampler: p.sampler,
      numSteps: p.numSteps,
      eta: p.eta,
      seed: config.seed,
      guidance: images ? 1 : guidance,
    });
    const x = out.panels[0]!.images;
    writePng(path, labelledGrid(x, { nrow: perRow, title, ...(rowLabels ? { rows: rowLabels } : {}) }));
  });
}

/**
 * Task denoise, the seeds' figures on held-out images: at each preview, clean / noisy / denoised at the trained
 * level (samples/step-N.png, one file per preview: "after 1 epoch", "after 5 epochs"), and the sweep over the test
 * levels (denoise-sweep.png, the latest; its table on stderr). Levels are on the seeds' [0, 1] pixel scale.
 */
export function writeDenoiseFigures(
  net: Network,
  config: TrainConfig,
  o: { test: Dataset; trainCount: number; out: string; step: number; levels: readonly number[] },
): void {
  const { test, out, step, levels } = o;
  const k = Math.min(8, test.count); // spread over the set (files grouped by class show every class)
  const x = batchImages(
    test,
    Array.from({ length: k }, (_, i) => Math.floor((i * test.count) / k)),
  );
  const level = config.denoiseSigma / PIXEL_TO_DATA_SIGMA;
  const epoch = ((step * config.batchSize) / o.trainCount).toFixed(1);
  const trained = singleStepSweep(net, x, config.denoiseSigma, new Rng(config.seed).stream(7), [level], {
    title: `after ${step} steps (epoch ${epoch}): sigma ${level} on [0, 1]`,
  });
  writePng(join(out, 'samples', `step-${String(step).padStart(8, '0')}.png`), trained.figure);
  const sweep = singleStepSweep(net, x, config.denoiseSigma, new Rng(config.seed).stream(7), levels, {
    title: `trained at sigma ${level}, tried at others (${test.source})`,
  });
  x.dispose();
  writePng(join(out, 'denoise-sweep.png'), sweep.figure);
  console.error(`step ${step} (epoch ${epoch}) on ${test.source}:`);
  for (const r of sweep.rows)
    console.error(
      `  sigma ${r.level.toFixed(2)}: MSE noisy ${r.mseNoisy.toFixed(4)} -> denoised ${r.mseDenoised.toFixed(4)}`,
    );
}
