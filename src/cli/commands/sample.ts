// `difflab sample`: draw samples from a model with any sampler. Trained image models write a PNG grid (and
// optionally one PNG per image, a GIF of the denoising, a guidance comparison: see sample-images.ts);
// gmm:FILE.json models (exact Gaussian mixtures) write .npy (float32, [n, dim]).
import { count } from '../suggest.js';
import { readFileSync } from 'node:fs';
import {
  encodeNpy,
  jobDefaults,
  jobFiles,
  mixtureDim,
  mixtureJob,
  parseMixture,
  writeFileAtomic,
  type GaussianMixture,
} from '../../index.js';
import { UsageError, str, type Command } from '../command.js';
import { cliDoor, fieldOptions } from '../door.js';
import { imageCommandOptions } from '../image-options.js';
import { imageSampleOptions, sampleImages } from './sample-images.js';
import { precisionOption } from '../precision.js';
import { checkOutputPath, requireMemory } from '../limits.js';

/** Options only image models take (their figures and GIFs): refused for a mixture. */
const imageOnly = [...Object.keys(imageSampleOptions), 'precision', 'prompt', 'negative-prompt', 'embedding'];

/** Reads gmm:FILE.json; every problem is a one-line UsageError. */
function loadMixture(spec: string): GaussianMixture {
  const path = spec.slice(4);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--model: cannot read mixture file '${path}'`);
  }
  try {
    return parseMixture(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`--model ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** A mixture's samples (jobs/mixture.ts) as .npy: the job file parses the options and draws them. */
function sampleMixture(v: Record<string, string | boolean | string[] | undefined>): number {
  const stray = imageOnly.find((k) => v[k] !== undefined);
  if (stray) throw new UsageError(`--${stray} applies to image models only (a mixture writes its samples as .npy)`);
  const out = str(v.out, 'out');
  if (!out.endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got '${out}'`);
  checkOutputPath('out', out);
  const mixture = loadMixture(str(v.model, 'model'));
  const { model: _, out: __, ...values } = v;
  const spec = mixtureJob.parse(cliDoor(mixtureJob.fields, values), mixture);
  // The exact denoiser holds (n, K) responsibilities beside the (n, d) samples, a few copies of each, in float64.
  const n = spec.count;
  requireMemory(`--n ${n}`, n * (mixtureDim(mixture) + mixture.weights.length) * 8 * 8);
  const samples = mixtureJob.run(mixture, spec);
  writeFileAtomic(out, encodeNpy(samples.data, samples.shape));
  console.log(
    `wrote ${count(n, 'sample')} of dimension ${mixtureDim(mixture)} to ${out} (${spec.sampler}, ${spec.schedule} schedule)`,
  );
  return 0;
}

/** The generate job's fields as options (jobs/generate.ts), and the mixture's (jobs/mixture.ts). */
const generateOptions = fieldOptions([{ name: 'generate', fields: jobFiles.generate.fields }]);
const mixtureOptions = fieldOptions([{ name: 'gmm', fields: mixtureJob.fields }]);

export const sample: Command = {
  name: 'sample',
  summary:
    'draw samples from a model: image grids, per-image PNGs, denoising GIFs, guidance comparisons (.npy for gmm)',
  usage:
    '[--model FILE] [--sampler NAME] [--steps N] [--n COUNT] [--nrow R] [--class C] [--prompt P | --prompts FILE] [--negative-prompt N] [--embedding FILE.npy] [--guidance W] [--seed S] ' +
    '[--each] [--gif FILE.gif] [--compare-guidance 0,1,3,5,10] --out FILE.png\n' +
    `       difflab sample --model gmm:FILE.json ${mixtureJob.usage} --out FILE.npy`,
  options: {
    model: {
      ...imageCommandOptions.model!,
      help: `${imageCommandOptions.model!.help}, or gmm:FILE.json (a mixture {"weights","means","stds"})`,
    },
    // The generate job's fields (jobs/generate.ts), with what a mixture does differently said beside them.
    ...generateOptions,
    sampler: {
      ...generateOptions.sampler!,
      default: `${generateOptions.sampler!.default} for image models; required for gmm`,
    },
    n: {
      ...generateOptions.n!,
      default: `${jobDefaults.generate.count} images, ${mixtureOptions.n!.default} gmm samples`,
    },
    class: {
      ...generateOptions.class!,
      help: 'class to condition on: a name or id (image models: "all" cycles through them)',
    },
    schedule: { ...mixtureOptions.schedule!, help: `gmm models: ${mixtureOptions.schedule!.help}` },
    spacing: mixtureOptions.spacing!,
    out: { type: 'string', help: 'output .png (image models) or .npy (gmm) file' },
    precision: precisionOption,
    ...imageSampleOptions,
  },
  run(v) {
    if (v.model === undefined || !String(v.model).startsWith('gmm:')) return sampleImages(v);
    return sampleMixture(v);
  },
};
