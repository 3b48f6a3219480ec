// Evaluating a model: n samples drawn as the generate job draws them (its sampling fields and defaults), measured
// against real pictures on a classifier's features (FID, KID, optional precision/recall, class accuracy or prompt
// fidelity, the share recognised) beside the real-vs-real floor. Its fields, once; `parseMeasure` reads what the run
// measures before anything is loaded, `parse` the sampling once the model is (steps within its T); `run` samples,
// resumably, and returns the report (docs/MODELS.md) a door writes. The command line's `difflab eval` is its door;
// which files it reads (model, classifier, data, prompts) are the door's. Not a JobKind: its context is a model, a
// classifier and two real sets, and a run takes minutes, not a request's time.
import type { Dataset } from '../data/index.js';
import {
  evaluateModel,
  evaluateReal,
  type CompareOptions,
  type EvalCondition,
  type ModelEvalResult,
  type TrainedClassifier,
} from '../eval/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { readSampling, samplingFields } from './common-fields.js';
import { flag, int, readFlag, readNumber, type Door, type FieldContext } from './fields.js';
import { defaults as generateDefaults } from './generate.js';
import { samplingRun } from './output.js';
import type { SamplingSpec } from './specs.js';

export const defaults = {
  // FID's customary count: its bias shrinks with n, and papers report it at 10,000 or 50,000.
  n: 10_000,
  // Drawn and stored in shards of 250: a killed eval loses at most one batch, and 250 keeps a batch's memory small.
  batch: 250,
  // KID is the mean over random subsets (Binkowski et al. use 100), with their spread as its error.
  kidSubsets: 100,
};

/** What the run measures, read before anything is loaded. */
export const fields = {
  n: int(defaults.n, { min: 2 }, 'number of samples (and of real images in each reference set)'),
  batch: int(defaults.batch, { min: 1 }, 'samples per batch and per shard'),
  kidSubsets: int(defaults.kidSubsets, { min: 1, max: 10_000 }, 'random subsets KID averages over'),
  pr: flag('also k-NN precision/recall (k=3)'),
};

/** How the samples are drawn: the generate job's sampling fields, its defaults, in eval's words. */
export const sampling = (() => {
  const f = samplingFields(generateDefaults);
  return {
    ...f,
    guidance: { ...f.guidance, help: 'classifier-free guidance weight (0: unconditional, 1: conditional)' },
    seed: { ...f.seed, help: 'sample i draws its noise from stream i of this seed' },
  };
})();

export interface EvalMeasure {
  n: number;
  batchSize: number;
  compare: Required<Pick<CompareOptions, 'kidSubsets' | 'precisionRecall'>>;
}

export function parseMeasure(door: Door): EvalMeasure {
  // Their bounds are constants: no model is read for them.
  return {
    n: readNumber(door, 'n', fields.n, undefined)!,
    batchSize: readNumber(door, 'batch', fields.batch, undefined)!,
    compare: {
      kidSubsets: readNumber(door, 'kidSubsets', fields.kidSubsets, undefined)!,
      precisionRecall: readFlag(door, 'pr'),
    },
  };
}

/** The sampling, once the model is loaded: as `difflab sample` reads it (steps within the model's T). */
export function parse(door: Door, model: FieldContext): SamplingSpec {
  return readSampling(door, generateDefaults, model);
}

/** What a model's evaluation compares: its samples' condition and the real sets, as the door loaded them. */
export interface EvalInputs {
  model: LoadedDenoiser;
  /** The model file, as the report names it. */
  modelPath: string;
  classifier: TrainedClassifier;
  classifierPath: string;
  condition: EvalCondition;
  /** The reference pictures (the training split) and the floor's held-out ones, with their names. */
  reference: Dataset;
  floor: Dataset;
  names: [reference: string, floor: string];
  /** Where the sample shards go; a rerun resumes from them. */
  workDir: string;
}

/** The report of a model's evaluation (fields: docs/MODELS.md). */
export type EvalReport = ReturnType<typeof modelReport>;

/** Whether the samples are conditioned (and so guided). */
const conditioned = (c: EvalCondition) => c.kind !== 'none';

/** Samples the model (resuming from the shards) and measures the samples and the floor. */
export async function run(
  m: EvalInputs,
  measure: EvalMeasure,
  spec: SamplingSpec,
  o: { onProgress?(done: number, total: number, reused: boolean): void; signal?: AbortSignal } = {},
): Promise<{ status: 'done'; report: EvalReport; result: ModelEvalResult } | { status: 'aborted' }> {
  const { model } = m;
  const guided = conditioned(m.condition);
  const identity = {
    model: m.modelPath,
    modelStep: model.step,
    sampler: spec.sampler,
    steps: spec.numSteps ?? null,
    guidance: guided ? spec.guidance : null,
    // Only where they change the samples, so the shards of earlier versions stay valid:
    ...(model.precision === 'fp32' ? {} : { precision: model.precision }),
    ...(spec.sampler === 'ddim' && spec.eta !== 0 ? { eta: spec.eta } : {}),
    ...(spec.variance === 'beta' ? { variance: spec.variance } : {}),
  };
  const result = await evaluateModel({
    denoiser: model.denoiser,
    guidance: spec.guidance,
    sampler: samplingRun(model, spec).sampler, // as the generate job samples
    numSteps: spec.numSteps,
    imageShape: model.imageShape,
    condition: m.condition,
    seed: spec.seed,
    n: measure.n,
    batchSize: measure.batchSize,
    workDir: m.workDir,
    identity,
    classifier: m.classifier.classifier,
    classNames: m.classifier.classNames,
    reference: m.reference,
    floor: m.floor,
    compare: measure.compare,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (result.status === 'aborted') return { status: 'aborted' };
  const r = result as ModelEvalResult;
  return { status: 'done', report: modelReport(m, measure, spec, r), result: r };
}

function modelReport(m: EvalInputs, measure: EvalMeasure, spec: SamplingSpec, r: ModelEvalResult) {
  const { model, condition: c } = m;
  const guided = conditioned(c);
  return {
    format: 'difflab-eval-1',
    kind: 'model',
    n: measure.n,
    model: m.modelPath,
    modelStep: model.step,
    sampler: spec.sampler,
    eta: spec.sampler === 'ddim' ? spec.eta : null,
    variance: spec.sampler === 'ddpm' ? (spec.variance ?? 'posterior') : null,
    steps: spec.numSteps ?? null,
    // Network evaluations per sample: guidance doubles each call unless its weight is 0 or 1.
    nfe: r.denoiserCalls * (guided && spec.guidance !== 0 && spec.guidance !== 1 ? 2 : 1),
    guidance: guided ? spec.guidance : null,
    computePrecision: model.precision,
    classes: c.kind === 'classes' ? c.classes.map((id) => model.classNames[id]) : null,
    prompts: c.kind === 'prompts' ? c.prompts : null,
    seed: spec.seed,
    classifier: m.classifierPath,
    featureDim: m.classifier.classifier.config.featureDim,
    reference: {
      data: m.names[0],
      n: r.generated.n[0],
      pictures: r.referencePictures,
      ...referenceNote(r, c.kind === 'prompts' ? c.prompts : null),
    },
    fid: r.generated.fid,
    kid: r.generated.kid,
    precision: r.generated.precision,
    recall: r.generated.recall,
    classAccuracy: r.classAccuracy,
    promptFidelity: r.promptFidelity,
    recognised: r.recognised,
    floor: {
      data: m.names[1],
      n: r.floor.n[1],
      fid: r.floor.fid,
      kid: r.floor.kid,
      precision: r.floor.precision,
      recall: r.floor.recall,
    },
    seconds: r.seconds,
    workDir: m.workDir,
  };
}

/**
 * With prompts whose pictures the data lacks: the report's word that FID is over the data's pictures at large.
 */
export function referenceNote(
  r: Pick<ModelEvalResult, 'referencePictures' | 'promptsWithoutPictures'>,
  prompts: readonly string[] | null,
): { note?: string } {
  if (prompts === null || r.referencePictures !== 'all') return {};
  const lacking = r.promptsWithoutPictures;
  const some = lacking
    .slice(0, 3)
    .map((p) => `'${p}'`)
    .join(', ');
  return {
    note:
      "FID is over the data's pictures at large: no class with pictures in both the reference and the floor set is " +
      `named by ${some}${lacking.length > 3 ? ', ...' : ''} (${lacking.length} of ${prompts.length} prompts)`,
  };
}

/** Two real sets compared (the floor itself): the report, and the comparison (its n: each set's count). */
export function runReal(
  c: Pick<EvalInputs, 'classifier' | 'classifierPath'>,
  sets: [a: { name: string; data: Dataset }, b: { name: string; data: Dataset }],
  measure: EvalMeasure,
) {
  const r = evaluateReal(c.classifier.classifier, sets[0].data, sets[1].data, measure.n, measure.compare);
  const report = {
    format: 'difflab-eval-1',
    kind: 'real',
    n: Math.min(...r.n),
    a: sets[0].name,
    b: sets[1].name,
    classifier: c.classifierPath,
    featureDim: c.classifier.classifier.config.featureDim,
    fid: r.fid,
    kid: r.kid,
    precision: r.precision,
    recall: r.recall,
  };
  return { report, comparison: r };
}
