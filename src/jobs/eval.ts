// Evaluating a model: n samples drawn as the generate job draws them (its sampling fields and defaults), measured
// against real pictures on a classifier's features (FID, KID, optional precision/recall, class accuracy or prompt
// fidelity, the share recognised) beside the real-vs-real floor. Its fields, once; `parseMeasure` reads what the run
// measures before anything is loaded, `parse` the sampling and what the samples ask for once the model is (steps
// within its T, classes by name); `run` samples, resumably, and returns the report (docs/MODELS.md) a door writes.
// Which sets are compared (the held-out split, else two halves) and whether the classifier fits them are decided here;
// the door reads the files (model, classifier, data, prompts). The command line's `difflab eval` is its door. Not a
// JobKind: its context is a model, a classifier and two real sets, and a run takes minutes, not a request's time.
import { heldOutSpec, type Dataset } from '../data/index.js';
import { Rng, tidy } from '../engine/index.js';
import {
  evaluateModel,
  evaluateReal,
  splitHalves,
  type CompareOptions,
  type EvalCondition,
  type ModelEvalResult,
  type TrainedClassifier,
} from '../eval/index.js';
import { classIdOf } from '../model/classes.js';
import type { LoadedDenoiser } from '../model/index.js';
import { defaultStepsFor } from '../samplers/index.js';
import { readSampling, samplingFields, startField } from './common-fields.js';
import { jobCondition } from './condition.js';
import { flag, int, isGiven, readFlag, requireNumber, type Door, type FieldContext } from './fields.js';
import { defaults as generateDefaults } from './generate.js';
import { samplingRun, startOf } from './output.js';
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

/** How the samples are drawn: the generate job's sampling fields and defaults, two of them in eval's words. */
export const sampling = (() => {
  const f = samplingFields(generateDefaults);
  return {
    ...f,
    guidance: { ...f.guidance, help: 'classifier-free guidance weight (0: unconditional, 1: conditional)' },
    seed: { ...f.seed, help: 'sample i draws its noise from stream i of this seed' },
    startAt: startField,
  };
})();

export interface EvalMeasure {
  n: number;
  batchSize: number;
  compare: Required<Pick<CompareOptions, 'kidSubsets' | 'precisionRecall'>>;
}

/** What the samples ask for, cycled (sample i asks for entry i % k): nothing, classes by id, or prompts. */
export type EvalAsk =
  { kind: 'none' } | { kind: 'classes'; classes: number[] } | { kind: 'prompts'; prompts: readonly string[] };

export interface EvalSpec extends EvalMeasure {
  sampling: SamplingSpec;
  ask: EvalAsk;
}

export function parseMeasure(door: Door): EvalMeasure {
  // Their bounds are constants: no model is read for them.
  return {
    n: requireNumber(door, 'n', fields.n, undefined),
    batchSize: requireNumber(door, 'batch', fields.batch, undefined),
    compare: {
      kidSubsets: requireNumber(door, 'kidSubsets', fields.kidSubsets, undefined),
      precisionRecall: readFlag(door, 'pr'),
    },
  };
}

/**
 * The spec once the model is loaded: the sampling as `difflab sample` reads it (steps within the model's T), and
 * what the samples ask for: the prompts the door read, else the classes named (every class of a class-conditional
 * model when none are), else nothing. Guidance and classes need a conditional model.
 */
export function parse(
  door: Door,
  model: FieldContext,
  measure: EvalMeasure,
  asked: { classes?: readonly string[]; prompts?: readonly string[] },
): EvalSpec {
  if (asked.classes && asked.prompts)
    door.refuse(
      `give ${door.name('classes')} or ${door.name('prompts')}, not both (a prompt names what each sample shows)`,
    );
  const spec = { ...measure, sampling: readSampling(door, generateDefaults, model) };
  if (asked.prompts) return { ...spec, ask: { kind: 'prompts', prompts: asked.prompts } };
  if (model.classNames.length === 0) {
    if (isGiven(door, 'guidance') || asked.classes)
      door.refuse(
        `${door.name('guidance')} and ${door.name('classes')} need a class-conditional model` +
          (model.reads === 'text' ? ` (this one reads text: give ${door.name('prompts')} FILE)` : ''),
      );
    return { ...spec, ask: { kind: 'none' } };
  }
  const classOf = (c: string) => {
    try {
      return classIdOf(c, model.classNames);
    } catch (e) {
      return door.refuse(`${door.name('classes')}: ${(e as Error).message}`);
    }
  };
  const classes = asked.classes ? asked.classes.map(classOf) : model.classNames.map((_, i) => i);
  return { ...spec, ask: { kind: 'classes', classes } };
}

/**
 * The real sets a model is measured against: the reference (the training split) and the floor's held-out images,
 * from the source's other split where it has one, else two halves of it (each class halved when prompts pick
 * pictures by class). `load` reads a source as the door does (fitted to the model, with captions for prompts).
 */
export async function referenceSets(
  spec: string,
  floorSpec: string | undefined,
  load: (spec: string) => Promise<Dataset>,
  o: { byClass: boolean },
): Promise<{ reference: Dataset; floor: Dataset; names: [reference: string, floor: string] }> {
  const held = floorSpec ?? heldOutSpec(spec);
  if (held !== null) return { reference: await load(spec), floor: await load(held), names: [spec, held] };
  const [a, b] = splitHalves(await load(spec), new Rng(0), o.byClass ? 'class' : 'random');
  return { reference: a, floor: b, names: [`${spec} (half A)`, `${spec} (half B)`] };
}

/** Up to four names, then how many in all. */
const nameList = (names: readonly string[]) =>
  `[${names.slice(0, 4).join(', ')}${names.length > 4 ? `, ... (${names.length} in all)` : ''}]`;

/**
 * Refuses a classifier that cannot read what it is given: images of the model's (or the data's) channels and size,
 * and the same classes in the same order. Otherwise its features and class accuracy are another data set's: a
 * Fashion-MNIST classifier on an MNIST model reported 10% accuracy and exited 0. `other` names what it is given.
 */
export function checkClassifierFits(
  path: string,
  c: TrainedClassifier,
  other: string,
  o: { shape?: readonly number[]; classNames: readonly string[] },
): void {
  const { imageChannels: ch, imageSize: s } = c.classifier.config;
  if (o.shape && (o.shape[0] !== ch || o.shape[1] !== s || o.shape[2] !== s))
    throw new Error(
      `--classifier ${path} takes ${ch}x${s}x${s} images, ${other} has ${o.shape.join('x')}: ` +
        `train one on its data (difflab classifier train)`,
    );
  if (o.classNames.length > 0 && o.classNames.join('\n') !== c.classNames.join('\n'))
    throw new Error(
      `--classifier ${path} knows the classes ${nameList(c.classNames)}, ${other} has ${nameList(o.classNames)}: ` +
        `${other.startsWith('the data') ? "give --data with the classifier's classes, or " : ''}` +
        'train one on its data (difflab classifier train)',
    );
}

/** The samples' condition: classes as ids, prompts (and guidance's null branch) as jobCondition builds them for a job. */
function conditionOf(m: LoadedDenoiser, ask: EvalAsk): EvalCondition {
  if (ask.kind !== 'prompts') return ask;
  return {
    kind: 'prompts',
    prompts: ask.prompts,
    encode(batch) {
      const c = jobCondition(m, { prompt: batch }, batch.length, []);
      return { cond: c.cond, nullCond: c.nullCond };
    },
  };
}

/** Notes on the prompts (unknown or cut words), as a generate job with them would give. */
export function promptNotes(m: LoadedDenoiser, prompts: readonly string[]): string[] {
  const notes: string[] = [];
  tidy(() => void jobCondition(m, { prompt: prompts }, prompts.length, notes, { prompt: 'prompt' }));
  return notes;
}

/** What a model's evaluation compares, as the door loaded it. */
export interface EvalInputs {
  model: LoadedDenoiser;
  /** The model file, as the report names it. */
  modelPath: string;
  classifier: TrainedClassifier;
  classifierPath: string;
  /** The reference pictures (the training split) and the floor's held-out ones, with their names. */
  reference: Dataset;
  floor: Dataset;
  names: [reference: string, floor: string];
  /** Where the sample shards go; a rerun resumes from them. */
  workDir: string;
}

/** The report of a model's evaluation (fields: docs/MODELS.md). */
export type EvalReport = ReturnType<typeof modelReport>;

/** Samples the model (resuming from the shards) and measures the samples and the floor. */
export async function run(
  m: EvalInputs,
  spec: EvalSpec,
  o: { onProgress?(done: number, total: number, reused: boolean): void; signal?: AbortSignal } = {},
): Promise<{ status: 'done'; report: EvalReport; result: ModelEvalResult } | { status: 'aborted' }> {
  const { model } = m;
  const s = spec.sampling;
  const start = startOf(model, s);
  const identity = {
    model: m.modelPath,
    modelStep: model.step,
    sampler: s.sampler,
    // the sampler's default step count given as --steps draws the same samples as none given: one identity
    steps:
      s.numSteps === defaultStepsFor(s.sampler, model.denoiser.schedule.numTimesteps) ? null : (s.numSteps ?? null),
    guidance: spec.ask.kind !== 'none' ? s.guidance : null,
    // Only where they change the samples, so the shards of earlier versions stay valid:
    ...(model.precision === 'fp32' ? {} : { precision: model.precision }),
    ...(s.sampler === 'ddim' && s.eta !== 0 ? { eta: s.eta } : {}),
    ...(s.variance === 'beta' ? { variance: s.variance } : {}),
    ...(start !== 'zero' ? { start } : {}),
  };
  const result = await evaluateModel({
    denoiser: model.denoiser,
    guidance: s.guidance,
    sampler: samplingRun(model, s).sampler, // as the generate job samples
    numSteps: s.numSteps,
    imageShape: model.imageShape,
    condition: conditionOf(model, spec.ask),
    seed: s.seed,
    n: spec.n,
    batchSize: spec.batchSize,
    workDir: m.workDir,
    identity,
    classifier: m.classifier.classifier,
    classNames: m.classifier.classNames,
    reference: m.reference,
    floor: m.floor,
    compare: spec.compare,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (result.status === 'aborted') return result;
  return { status: 'done', report: modelReport(m, spec, result), result };
}

/** What every report starts with: its format and kind, then (after the kind's own) the classifier. */
const classifierOf = (c: Pick<EvalInputs, 'classifier' | 'classifierPath'>) => ({
  classifier: c.classifierPath,
  featureDim: c.classifier.classifier.config.featureDim,
});

function modelReport(m: EvalInputs, spec: EvalSpec, r: ModelEvalResult) {
  const { model } = m;
  const { sampling: s, ask } = spec;
  const guided = ask.kind !== 'none';
  const prompts = ask.kind === 'prompts' ? ask.prompts : null;
  return {
    format: 'difflab-eval-1',
    kind: 'model',
    n: spec.n,
    model: m.modelPath,
    modelStep: model.step,
    sampler: s.sampler,
    eta: s.sampler === 'ddim' ? s.eta : null,
    variance: s.sampler === 'ddpm' ? (s.variance ?? 'posterior') : null,
    steps: s.numSteps ?? null,
    start: startOf(model, s),
    // Network evaluations per sample: guidance doubles each call unless its weight is 0 or 1.
    nfe: r.denoiserCalls * (guided && s.guidance !== 0 && s.guidance !== 1 ? 2 : 1),
    guidance: guided ? s.guidance : null,
    computePrecision: model.precision,
    classes: ask.kind === 'classes' ? ask.classes.map((id) => model.classNames[id]) : null,
    prompts,
    seed: s.seed,
    ...classifierOf(m),
    reference: { data: m.names[0], n: r.generated.n[0], pictures: r.referencePictures, ...referenceNote(r, prompts) },
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

/** With prompts whose pictures the data lacks: the report's word that FID is over the data's pictures at large. */
function referenceNote(
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
  sets: readonly [a: { name: string; data: Dataset }, b: { name: string; data: Dataset }],
  measure: EvalMeasure,
) {
  const [a, b] = [sets[0].data, sets[1].data];
  const r = evaluateReal(c.classifier.classifier, a, b, measure.n, measure.compare, c.classifier.classNames);
  const report = {
    format: 'difflab-eval-1',
    kind: 'real',
    n: Math.min(...r.n),
    a: sets[0].name,
    b: sets[1].name,
    ...classifierOf(c),
    fid: r.fid,
    kid: r.kid,
    precision: r.precision,
    recall: r.recall,
    recognised: r.recognised,
  };
  return { report, comparison: r };
}
