// `difflab sample`: draw samples from a model with any sampler. Trained image models write a PNG grid (and
// optionally one PNG per image, a GIF of the denoising, a guidance comparison: see sample-images.ts);
// gmm:FILE.json models (exact Gaussian mixtures) write .npy (float32, [n, dim]).
import { count } from '../suggest.js';
import { readFileSync } from 'node:fs';
import {
  PerSampleRng,
  classifierFreeGuidance,
  jobDefaults,
  jobFiles,
  gmmDenoiser,
  samplerFor,
  indices,
  mixtureDim,
  parseMixture,
  scheduleFromName,
  scheduleNames,
  tidy,
  writeNpy,
  type GaussianMixture,
  type SamplerName,
  type ScheduleName,
  type Tensor,
} from '../../index.js';
import { UsageError, num, oneOf, str, type Command } from '../command.js';
import { fieldOptions } from '../door.js';
import { SAMPLERS } from '../image-options.js';
import { imageSampleOptions, sampleImages } from './sample-images.js';
import { precisionOption } from '../precision.js';
import { samplerGridKinds } from '../../samplers/index.js';
import { MAX_CONTINUOUS_STEPS, MAX_GUIDANCE, MAX_SEED, checkOutputPath, requireMemory } from '../limits.js';

/** Each sampler's natural schedule: discrete VP for DDPM/DDIM, the VE SDE for the SDE solvers, EDM for the ODE ones. */
const naturalSchedule: Record<SamplerName, ScheduleName> = {
  ddpm: 'linear',
  ddim: 'linear',
  'euler-maruyama': 've',
  pc: 've',
  heun: 'edm',
  'dpmpp-2m': 'edm',
};

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

/** The generate job's fields as options (jobs/generate.ts). */
const generateOptions = fieldOptions([{ name: 'generate', fields: jobFiles.generate.fields }]);

export const sample: Command = {
  name: 'sample',
  summary:
    'draw samples from a model: image grids, per-image PNGs, denoising GIFs, guidance comparisons (.npy for gmm)',
  usage:
    '[--model FILE] [--sampler NAME] [--steps N] [--n COUNT] [--nrow R] [--class C] [--prompt P | --prompts FILE] [--negative-prompt N] [--embedding FILE.npy] [--guidance W] [--seed S] ' +
    '[--each] [--gif FILE.gif] [--compare-guidance 0,1,3,5,10] --out FILE.png\n' +
    '       difflab sample --model gmm:FILE.json --sampler NAME [--steps N] [--n COUNT] [--guidance W --class C] --out FILE.npy',
  options: {
    model: {
      type: 'string',
      help: 'model file written by difflab train, or gmm:FILE.json (a mixture {"weights","means","stds"})',
      default: 'models/fashion-mnist.safetensors',
    },
    // The generate job's fields (jobs/generate.ts), with what a mixture does differently said beside them.
    ...generateOptions,
    sampler: {
      ...generateOptions.sampler!,
      default: `${generateOptions.sampler!.default} for image models; required for gmm`,
    },
    n: { ...generateOptions.n!, default: `${jobDefaults.generate.count} images, 1000 gmm samples` },
    class: {
      ...generateOptions.class!,
      help: 'class to condition on: a name or id (image models: "all" cycles through them)',
    },
    schedule: {
      type: 'string',
      help: `gmm models: ${scheduleNames.join('|')}`,
      default: 'linear for ddpm/ddim, ve for euler-maruyama/pc, edm for heun/dpmpp-2m',
    },
    spacing: { type: 'string', help: 'timestep spacing linspace|leading|trailing', default: 'linspace' },
    out: { type: 'string', help: 'output .png (image models) or .npy (gmm) file' },
    precision: precisionOption,
    ...imageSampleOptions,
  },
  run(v) {
    if (v.model === undefined || !String(v.model).startsWith('gmm:')) return sampleImages(v);
    const stray = imageOnly.find((k) => v[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} applies to image models only (a mixture writes its samples as .npy)`);
    const samplerName = oneOf(v.sampler, 'sampler', SAMPLERS);
    const applies: [string, boolean, string][] = [
      ['eta', samplerName === 'ddim', 'ddim'],
      ['variance', samplerName === 'ddpm', 'ddpm'],
      [
        'spacing',
        samplerGridKinds[samplerName] === 'time',
        'the samplers on time grids (ddpm, ddim, euler-maruyama, pc)',
      ],
    ];
    const misplaced = applies.find(([k, ok]) => v[k] !== undefined && !ok);
    if (misplaced) throw new UsageError(`--${misplaced[0]} applies to ${misplaced[2]} only, not ${samplerName}`);
    const out = str(v.out, 'out');
    if (!out.endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got '${out}'`);
    checkOutputPath('out', out);
    const mixture = loadMixture(str(v.model, 'model'));
    const n = num(v.n, 'n', 1000, { min: 1, integer: true });
    // The exact denoiser holds (n, K) responsibilities beside the (n, d) samples, a few copies of each, in float64.
    requireMemory(`--n ${n}`, n * (mixtureDim(mixture) + mixture.weights.length) * 8 * 8);
    const seed = num(v.seed, 'seed', 0, { min: 0, max: MAX_SEED, integer: true });
    const schedule = scheduleFromName(oneOf(v.schedule, 'schedule', scheduleNames, naturalSchedule[samplerName]));
    const T = schedule.numTimesteps;
    const numSteps =
      v.steps === undefined
        ? undefined
        : num(v.steps, 'steps', undefined, { min: 1, max: T ?? MAX_CONTINUOUS_STEPS, integer: true });
    if (v.guidance !== undefined && v.class === undefined) throw new UsageError('--guidance needs --class');
    let denoiser = gmmDenoiser(mixture, schedule);
    let cond: Tensor | null = null;
    if (v.class !== undefined) {
      const c = num(v.class, 'class', undefined, { min: 0, integer: true });
      const labels = mixture.labels ?? mixture.weights.map((_, k) => k);
      if (!labels.includes(c))
        throw new UsageError(`--class ${c}: the mixture's classes are ${[...new Set(labels)].join(', ')}`);
      denoiser = classifierFreeGuidance(denoiser, {
        scale: num(v.guidance, 'guidance', 1, { min: 0, max: MAX_GUIDANCE }),
      });
      cond = indices(new Array<number>(n).fill(c));
    }
    const options = {
      rng: PerSampleRng.of(seed, n),
      dtype: 'float64' as const,
      cond,
      numSteps,
      spacing: oneOf(v.spacing, 'spacing', ['linspace', 'leading', 'trailing'] as const, 'linspace'),
      eta: num(v.eta, 'eta', 0, { min: 0, max: 1 }),
      variance: oneOf(v.variance, 'variance', ['posterior', 'beta'] as const, 'posterior'),
    };
    tidy(() => writeNpy(out, samplerFor(samplerName, options)(denoiser, [n, mixtureDim(mixture)], options)));
    console.log(
      `wrote ${count(n, 'sample')} of dimension ${mixtureDim(mixture)} to ${out} (${samplerName}, ${schedule.name} schedule)`,
    );
    return 0;
  },
};
