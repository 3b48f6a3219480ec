// `difflab eval`'s options and what they ask for, read before anything is loaded: the settings the run starts from
// (the model's own checks, steps within its T and classes among its names, come once it is loaded: eval.ts).
import { basename, dirname, join } from 'node:path';
import {
  DEFAULT_CLASSIFIER_PATH,
  DEFAULT_MODEL_PATH,
  jobDefaults,
  refuseOtherSamplersFields,
  samplingFields,
  VARIANCES,
  type PrecisionChoice,
  type SamplerName,
} from '../../index.js';
import { UsageError, num, oneOf, str, type OptionSpec } from '../command.js';
import { cliDoor, fieldOptions } from '../door.js';
import { SAMPLERS } from '../image-options.js';
import { MAX_GUIDANCE, MAX_SEED, checkOutputPath } from '../limits.js';
import { precisionOption, readPrecisionChoice } from '../precision.js';
import { readDataSpec } from '../data-option.js';

/**
 * What eval runs with unless told: 10,000 samples (FID's customary count), drawn and stored in batches (and shards)
 * of 250, KID averaged over 100 random subsets; samples are drawn as the generate job draws them (jobDefaults).
 */
const evalDefaults = { n: 10_000, batch: 250, kidSubsets: 100 };

/** What only a model evaluation reads: refused beside --real. */
const modelOptions = [
  'model',
  'sampler',
  'steps',
  'eta',
  'variance',
  'guidance',
  'classes',
  'prompts',
  'seed',
  'batch',
  'work',
  'data',
  'floor-data',
  'precision',
];

/** The generate job's sampling fields as options: eval samples as generate does. */
const sampling = fieldOptions([{ name: 'generate', fields: samplingFields('generate') }]);

export const evalOptions: Record<string, OptionSpec> = {
  model: {
    type: 'string',
    help: 'model file or training checkpoint',
    default: 'the shipped models/fashion-mnist.safetensors',
  },
  // Samples as the generate job draws them (its sampling fields and defaults, jobs/common-fields.ts).
  sampler: sampling.sampler!,
  steps: sampling.steps!,
  eta: sampling.eta!,
  variance: sampling.variance!,
  n: {
    type: 'string',
    help: 'number of samples (and of real images in each reference set)',
    default: String(evalDefaults.n),
  },
  guidance: { ...sampling.guidance!, help: 'classifier-free guidance weight (0: unconditional, 1: conditional)' },
  classes: {
    type: 'string',
    help: 'comma-separated class names or ids the samples cycle through',
    default: 'every class',
  },
  prompts: {
    type: 'string',
    help: 'a text file of prompts, one per line, the samples cycle through (models that read text)',
  },
  seed: {
    type: 'string',
    help: 'sample i draws its noise from stream i of this seed',
    default: String(jobDefaults.seed),
  },
  batch: { type: 'string', help: 'samples per batch and per shard', default: String(evalDefaults.batch) },
  work: {
    type: 'string',
    help: 'folder of the .npy sample shards; rerunning resumes from it',
    default: 'OUT without .json, plus .samples/',
  },
  classifier: {
    type: 'string',
    help: 'feature classifier file',
    default: 'the shipped models/fashion-mnist-classifier.safetensors',
  },
  data: { type: 'string', help: 'real reference images', default: "the model's training data" },
  'floor-data': {
    type: 'string',
    help: 'held-out real images for the floor',
    default: 'the held-out split for fashion-mnist and mnist, else half of --data',
  },
  real: { type: 'string', multiple: true, help: 'twice: compare two real sets instead of a model (the floor)' },
  'kid-subsets': { type: 'string', help: 'random subsets KID averages over', default: String(evalDefaults.kidSubsets) },
  pr: { type: 'boolean', help: 'also k-NN precision/recall (k=3)' },
  precision: precisionOption,
  out: { type: 'string', help: 'JSON report to write (its fields: docs/MODELS.md)' },
};

export interface EvalSettings {
  out: string;
  n: number;
  compare: { kidSubsets: number; precisionRecall: boolean };
  /** Two real sets to compare instead of a model (the floor); absent: a model evaluation. */
  real?: string[];
  classifierPath: string;
  modelPath: string;
  sampler: SamplerName;
  /** DDIM's stochasticity (ddim only). */
  eta: number;
  /** DDPM's reverse-step variance, when given (ddpm only; absent: the posterior's). */
  variance?: (typeof VARIANCES)[number];
  guidance: number;
  /** Class names or ids the samples cycle through; absent: every class of the model. */
  classes?: string[];
  /** A file of prompts the samples cycle through. */
  prompts?: string;
  seed: number;
  batchSize: number;
  workDir: string;
  /** Reference images; absent: the model's training data. */
  data?: string;
  /** Held-out images for the floor; absent: the reference data's held-out split, else half of it. */
  floorData?: string;
  precision: PrecisionChoice;
}

/** The options as eval's settings, every default applied (evalDefaults, jobDefaults, the shipped files). */
export function readEvalSettings(v: Record<string, string | boolean | string[] | undefined>): EvalSettings {
  const out = str(v.out, 'out');
  if (!out.endsWith('.json')) throw new UsageError(`--out must name a .json file, got '${out}'`);
  checkOutputPath('out', out);
  const n = num(v.n, 'n', evalDefaults.n, { min: 2, integer: true });
  const compare = {
    kidSubsets: num(v['kid-subsets'], 'kid-subsets', evalDefaults.kidSubsets, { min: 1, max: 10_000, integer: true }),
    precisionRecall: v.pr === true,
  };
  const stray = v.real !== undefined ? modelOptions.find((k) => v[k] !== undefined) : undefined;
  if (stray) throw new UsageError(`--${stray} does not apply with --real (two real sets, no model)`);
  const sampler = oneOf(v.sampler, 'sampler', SAMPLERS, jobDefaults.generate.sampler);
  refuseOtherSamplersFields(cliDoor(samplingFields('generate'), v), sampler);
  if (v.prompts !== undefined && v.classes !== undefined)
    throw new UsageError('give --classes or --prompts, not both (a prompt names what each sample shows)');
  return {
    out,
    n,
    compare,
    ...(v.real !== undefined ? { real: v.real as string[] } : {}),
    classifierPath: str(v.classifier, 'classifier', DEFAULT_CLASSIFIER_PATH),
    modelPath: str(v.model, 'model', DEFAULT_MODEL_PATH),
    sampler,
    eta: num(v.eta, 'eta', jobDefaults.generate.eta, { min: 0, max: 1 }),
    ...(v.variance !== undefined ? { variance: oneOf(v.variance, 'variance', VARIANCES) } : {}),
    guidance: num(v.guidance, 'guidance', jobDefaults.generate.guidance, { min: 0, max: MAX_GUIDANCE }),
    ...(v.classes !== undefined ? { classes: String(v.classes).split(',') } : {}),
    ...(v.prompts !== undefined ? { prompts: str(v.prompts, 'prompts') } : {}),
    seed: num(v.seed, 'seed', jobDefaults.seed, { min: 0, max: MAX_SEED, integer: true }),
    batchSize: num(v.batch, 'batch', evalDefaults.batch, { min: 1, integer: true }),
    workDir: str(v.work, 'work', join(dirname(out), `${basename(out, '.json')}.samples`)),
    ...(v.data !== undefined ? { data: readDataSpec(v.data, 'data') } : {}),
    ...(v['floor-data'] !== undefined ? { floorData: readDataSpec(v['floor-data'], 'floor-data') } : {}),
    precision: readPrecisionChoice(v),
  };
}
