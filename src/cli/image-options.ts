// What the image commands (sample, edit, forward, denoise) share: options parsed into the library's job specs
// (sampling settings, classes, pictures), the model file, and running a job with a progress bar into one PNG
// figure. Parsing and rendering only: the work is runJob's. Defaults and names come from the library's tables.
import {
  DEFAULT_MODEL_PATH,
  classIdOf,
  figureOf,
  jobDefaults,
  labelledGrid,
  loadDenoiser,
  encodePng,
  runJob,
  samplerNames,
  tidy,
  writeFileAtomic,
  modelConditioning,
  modelInfo,
  readSampling as readSamplingFields,
  samplingFields,
  promptKind,
  promptProblem,
  type ConditionSpec,
  type FigureLabels,
  type GridOptions,
  type JobOutput,
  type JobSpec,
  type LoadedDenoiser,
  type RunJobOptions,
  type SamplingJobKind,
  type SamplingSpec,
  type Tensor,
} from '../index.js';
import { UsageError, num, str, type OptionSpec } from './command.js';
import { cliDoor } from './door.js';
import { checkOutputPath } from './limits.js';
import { precisionOption, readPrecision } from './precision.js';
import { Progress } from './progress.js';

export const SAMPLERS = samplerNames;

/** --scale: pixels per model pixel in the figures a command writes. */
export const figureScaleOption: OptionSpec = {
  type: 'string',
  help: "pixels per model pixel in figures (1: the model's own pixels)",
  default: '2',
};
export const readFigureScale = (v: Record<string, unknown>): number =>
  num(v.scale, 'scale', 2, { min: 1, max: 32, integer: true });

/** Options every image command takes. */
export const imageCommandOptions: Record<string, OptionSpec> = {
  model: {
    type: 'string',
    help: 'model file written by difflab train',
    default: 'the shipped models/fashion-mnist.safetensors',
  },
  seed: {
    type: 'string',
    help: 'random seed; image i depends only on the seed and i',
    default: String(jobDefaults.seed),
  },
  precision: precisionOption,
  scale: figureScaleOption,
};

/** A prompt option checked against the model (promptProblem): the words it reads, or a one-line UsageError. */
export function readPrompt(v: unknown, name: string, m: LoadedDenoiser): string {
  const text = String(v);
  const reads = promptKind(m);
  if (reads === 'none') throw new UsageError(`--${name}: ${m.source} reads no prompts (${modelConditioning(m)})`);
  const problem = promptProblem(reads, text);
  if (problem) throw new UsageError(`--${name} ${problem}`);
  return text;
}

/** Whether a condition gives anything to guide towards. */
export const conditioned = (c: ConditionSpec): boolean =>
  c.classes !== undefined || c.prompt !== undefined || c.embedding !== undefined;

/** --sampler/--steps/--eta/--variance/--seed/--guidance as a job's sampling settings: the job files' reading. */
export function readSampling(v: Record<string, unknown>, kind: SamplingJobKind, m: LoadedDenoiser): SamplingSpec {
  const values = v as Record<string, string | undefined>;
  const d = jobDefaults[kind];
  return readSamplingFields(cliDoor(samplingFields(d), values), d, modelInfo(m, { withSource: true }));
}

/** --model's path: the shipped model when it is left out. */
export const readModelPath = (v: Record<string, unknown>): string => str(v.model, 'model', DEFAULT_MODEL_PATH);

/** --model as a loaded denoiser (a missing or foreign file is a runtime failure: exit 1). */
export function readModel(v: Record<string, unknown>): LoadedDenoiser {
  return loadDenoiser(readModelPath(v), { precision: readPrecision(v) });
}

/** A class option (name or id) as an id; null when absent. */
export function readClass(v: unknown, name: string, m: LoadedDenoiser): number | null {
  if (v === undefined) return null;
  try {
    return classIdOf(String(v), m.classNames);
  } catch (e) {
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
}

/** --out as a .png path. */
export function readPngOut(v: unknown, fallback?: string): string {
  const out = str(v, 'out', fallback);
  if (!out.toLowerCase().endsWith('.png')) throw new UsageError(`--out must name a .png file, got '${out}'`);
  checkOutputPath('out', out);
  return out;
}

/**
 * Runs a job with a progress bar on stderr (frames too when asked), printing its notes; a bad picture exits 1
 * with its one line. `use` gets the output inside the job's scope (write files there).
 */
export function runCliJob<T>(
  m: LoadedDenoiser,
  spec: JobSpec,
  use: (out: JobOutput) => T,
  o: Pick<RunJobOptions, 'frames'> = {},
): T {
  let bar: Progress | null = null;
  return tidy(() => {
    const out = runJob(m, spec, {
      ...o,
      onStep(done, total) {
        bar ??= new Progress({ label: spec.kind, total, unit: 'step' });
        bar.update(done);
      },
    });
    bar?.done();
    for (const note of out.notes) console.error(`note: ${note}`);
    return use(out);
  });
}

/** Writes a job's panels as one labelled PNG figure (figureOf). */
export function writeFigure(
  path: string,
  out: Pick<JobOutput, 'panels' | 'settings' | 'imageLabels'>,
  o: { nrow?: number; scale: number },
): { width: number; height: number } {
  const f = figurePng(out, o);
  writeFileAtomic(path, f.png);
  return f;
}

/** A job's panels as one labelled PNG figure (figureOf), as bytes. */
export function figurePng(
  out: Pick<JobOutput, 'panels' | 'settings' | 'imageLabels'>,
  o: { nrow?: number; scale: number },
): { png: Uint8Array; width: number; height: number } {
  const f = figureOf(out, o.nrow);
  return gridPng(f.images, {
    nrow: f.nrow,
    scale: o.scale,
    title: f.title,
    ...(f.columns ? { columns: f.columns } : {}),
    ...(f.rows ? { rows: f.rows } : {}),
  });
}

/** Writes images (N, C, H, W) in [-1, 1] as one PNG grid with any labels, upscaled for viewing. */
export function writeGrid(
  path: string,
  images: Tensor,
  o: GridOptions & FigureLabels = {},
): { width: number; height: number } {
  const grid = gridPng(images, o);
  writeFileAtomic(path, grid.png);
  return grid;
}

/** A PNG grid as writeGrid makes it, as bytes: for outputs written together (writeFilesAtomic). */
export function gridPng(
  images: Tensor,
  o: GridOptions & FigureLabels = {},
): { png: Uint8Array; width: number; height: number } {
  const img = tidy(() => labelledGrid(images, { scale: 2, ...o }));
  return { png: encodePng(img), width: img.width, height: img.height };
}
