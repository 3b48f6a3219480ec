// `difflab eval`'s options and what they ask for, read before anything is loaded: the settings the run starts from.
// The sampling options are the generate job's fields, read once the model is loaded (readEvalSampling: steps within
// its T, the sampler's own default steps), as sample reads them.
import { basename, dirname, join } from 'node:path';
import {
  DEFAULT_CLASSIFIER_PATH,
  DEFAULT_MODEL_PATH,
  evalJob,
  type EvalMeasure,
  type ModelInfo,
  type PrecisionChoice,
  type EvalSpec,
} from '../../index.js';
import { UsageError, str, type OptionSpec } from '../command.js';
import { cliDoor, fieldOptions, optionNames } from '../door.js';
import { checkOutputPath } from '../limits.js';
import { precisionOption, readPrecisionChoice } from '../precision.js';
import { readDataSpec } from '../data-option.js';

/** The eval job's fields as options: its sampling (the generate job's fields), and what it measures. */
const sampling = fieldOptions([{ name: 'eval', fields: evalJob.sampling }]);
const measured = fieldOptions([{ name: 'eval', fields: evalJob.fields }]);

/** What only a model evaluation reads: refused beside --real. */
const modelOptions = [
  'model',
  ...optionNames(evalJob.sampling),
  'classes',
  'prompts',
  'batch',
  'work',
  'data',
  'floor-data',
  'precision',
];

export const evalOptions: Record<string, OptionSpec> = {
  model: {
    type: 'string',
    help: 'model file or training checkpoint',
    default: 'the shipped models/fashion-mnist.safetensors',
  },
  // Samples as the generate job draws them, with its defaults (jobs/eval.ts takes its sampling fields).
  ...sampling,
  ...measured,
  classes: {
    type: 'string',
    help: 'comma-separated class names or ids the samples cycle through',
    default: 'every class',
  },
  prompts: {
    type: 'string',
    help: 'a text file of prompts, one per line, the samples cycle through (models that read text)',
  },
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
    default: 'the held-out split for fashion-mnist, mnist and mnist-full, else half of --data',
  },
  real: { type: 'string', multiple: true, help: 'twice: compare two real sets instead of a model (the floor)' },
  precision: precisionOption,
  out: { type: 'string', help: 'JSON report to write (its fields: docs/MODELS.md)' },
};

export interface EvalSettings extends EvalMeasure {
  out: string;
  /** Two real sets to compare instead of a model (the floor); absent: a model evaluation. */
  real?: [string, string];
  classifierPath: string;
  modelPath: string;
  /** Class names or ids the samples cycle through; absent: every class of the model. */
  classes?: string[];
  /** A file of prompts the samples cycle through. */
  prompts?: string;
  workDir: string;
  /** Reference images; absent: the model's training data. */
  data?: string;
  /** Held-out images for the floor; absent: the reference data's held-out split, else half of it. */
  floorData?: string;
  precision: PrecisionChoice;
}

/** The options as eval's settings, every default applied (the job's, the shipped files); sampling aside. */
export function readEvalSettings(v: Record<string, string | boolean | string[] | undefined>): EvalSettings {
  const out = str(v.out, 'out');
  if (!out.endsWith('.json')) throw new UsageError(`--out must name a .json file, got '${out}'`);
  checkOutputPath('out', out);
  const measure = evalJob.parseMeasure(cliDoor(evalJob.fields, v));
  const stray = v.real !== undefined ? modelOptions.find((k) => v[k] !== undefined) : undefined;
  if (stray) throw new UsageError(`--${stray} does not apply with --real (two real sets, no model)`);
  const real = v.real === undefined ? undefined : [v.real].flat().map(String);
  if (real !== undefined && real.length !== 2)
    throw new UsageError(`--real must be given exactly twice, got ${real.length}`);
  return {
    out,
    ...measure,
    ...(real !== undefined ? { real: [real[0]!, real[1]!] } : {}),
    classifierPath: str(v.classifier, 'classifier', DEFAULT_CLASSIFIER_PATH),
    modelPath: str(v.model, 'model', DEFAULT_MODEL_PATH),
    ...(v.classes !== undefined ? { classes: String(v.classes).split(',') } : {}),
    ...(v.prompts !== undefined ? { prompts: str(v.prompts, 'prompts') } : {}),
    workDir: str(v.work, 'work', join(dirname(out), `${basename(out, '.json')}.samples`)),
    ...(v.data !== undefined ? { data: readDataSpec(v.data, 'data') } : {}),
    ...(v['floor-data'] !== undefined ? { floorData: readDataSpec(v['floor-data'], 'floor-data') } : {}),
    precision: readPrecisionChoice(v),
  };
}

/**
 * The eval job's spec once the model is loaded: its sampling read as `difflab sample` reads it, and the classes
 * named, or the prompts read from --prompts.
 */
export function readEvalSpec(
  v: Record<string, string | boolean | string[] | undefined>,
  s: Pick<EvalSettings, 'n' | 'batchSize' | 'compare' | 'classes'>,
  model: ModelInfo,
  prompts?: readonly string[],
): EvalSpec {
  const measure = { n: s.n, batchSize: s.batchSize, compare: s.compare };
  return evalJob.parse(cliDoor(evalJob.sampling, v), model, measure, {
    ...(s.classes ? { classes: s.classes } : {}),
    ...(prompts ? { prompts } : {}),
  });
}
