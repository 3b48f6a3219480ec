// Sampling an exact Gaussian mixture (`gmm:FILE.json`): the analytic denoiser (denoisers/gmm.ts) under any sampler
// on any schedule, guided towards one of the mixture's classes where one is given; the samples come back as a
// float32 array [n, d]. Its fields, once, and their parsing for every door (the command line's `difflab sample`;
// the playground serves trained models only). Not a JobKind: its context is a mixture, not a loaded model.
import { PerSampleRng, indices, tidy } from '../engine/index.js';
import { classifierFreeGuidance, gmmDenoiser, mixtureDim, type GaussianMixture } from '../denoisers/index.js';
import { scheduleFromName, scheduleNames, type ScheduleName } from '../diffusion/index.js';
import type { NpyArray } from '../io/index.js';
import { samplerFor, samplerGridKinds, samplerNames, type SamplerName } from '../samplers/index.js';
import { MAX_CONTINUOUS_STEPS, samplingFields } from './common-fields.js';
import { choice, int, isGiven, readChoice, readNumber, type Door } from './fields.js';
import { defaults as generateDefaults } from './generate.js';
import type { SamplingSpec } from './specs.js';

/** Each sampler's natural schedule: discrete VP for DDPM/DDIM, the VE SDE for the SDE solvers, EDM for the ODE ones. */
const naturalSchedule: Record<SamplerName, ScheduleName> = {
  ddpm: 'linear',
  ddim: 'linear',
  'euler-maruyama': 've',
  pc: 've',
  heun: 'edm',
  'dpmpp-2m': 'edm',
};
/** "linear for ddpm/ddim, ve for ...": the natural schedules in words. */
const naturalText = (() => {
  const by = new Map<ScheduleName, SamplerName[]>();
  for (const s of samplerNames) by.set(naturalSchedule[s], [...(by.get(naturalSchedule[s]) ?? []), s]);
  return [...by].map(([schedule, samplers]) => `${schedule} for ${samplers.join('/')}`).join(', ');
})();

const SPACINGS = ['linspace', 'leading', 'trailing'] as const;

/** Samples are drawn as the generate job draws images: its eta, variance, seed and guidance fields. */
const generate = samplingFields(generateDefaults);

/** The fields a command line names, in brief. */
export const usage = '--sampler NAME [--steps N] [--n COUNT] [--guidance W --class C]';

export const fields = {
  n: int(1000, { min: 1 }, 'number of samples'),
  class: int(undefined, { min: 0 }, "class to condition on: one of the mixture's labels (its components' indices)"),
  sampler: choice(samplerNames, undefined, samplerNames.join('|')),
  // The largest step count is the schedule's T on a discrete one (parse lays it over this bound).
  steps: {
    ...int(undefined, { min: 1, max: MAX_CONTINUOUS_STEPS }, generate.steps.help),
    defaultText: generate.steps.defaultText,
  },
  eta: generate.eta,
  variance: generate.variance,
  seed: generate.seed,
  guidance: generate.guidance,
  schedule: { ...choice(scheduleNames, undefined, scheduleNames.join('|')), defaultText: naturalText },
  spacing: choice(SPACINGS, 'linspace', `timestep spacing ${SPACINGS.join('|')}`),
};

export interface MixtureSpec extends SamplingSpec {
  kind: 'mixture';
  count: number;
  schedule: ScheduleName;
  /** Where a time grid's steps fall (samplers on time grids). */
  spacing: (typeof SPACINGS)[number];
  /** The class guidance draws towards (one of the mixture's labels); null: the whole mixture. */
  classId: number | null;
}

/** The mixture's class ids: its labels, else each component its own. */
const labelsOf = (m: GaussianMixture) => m.labels ?? m.weights.map((_, k) => k);

export function parse(door: Door, mixture: GaussianMixture): MixtureSpec {
  const sampler = readChoice(door, 'sampler', fields.sampler);
  if (sampler === undefined) door.refuse(`missing required option ${door.name('sampler')}`);
  const applies: [key: string, ok: boolean, only: string][] = [
    ['eta', sampler === 'ddim', 'ddim'],
    ['variance', sampler === 'ddpm', 'ddpm'],
    ['spacing', samplerGridKinds[sampler] === 'time', 'the samplers on time grids (ddpm, ddim, euler-maruyama, pc)'],
  ];
  const misplaced = applies.find(([key, ok]) => isGiven(door, key) && !ok);
  if (misplaced) door.refuse(`${door.name(misplaced[0])} applies to ${misplaced[2]} only, not ${sampler}`);
  const count = readNumber(door, 'n', fields.n, mixture)!;
  const seed = readNumber(door, 'seed', fields.seed, mixture)!;
  const schedule = readChoice(door, 'schedule', fields.schedule) ?? naturalSchedule[sampler];
  const T = scheduleFromName(schedule).numTimesteps;
  const numSteps = readNumber(door, 'steps', { ...fields.steps, max: T ?? MAX_CONTINUOUS_STEPS }, mixture);
  if (isGiven(door, 'guidance') && !isGiven(door, 'class'))
    door.refuse(`${door.name('guidance')} needs ${door.name('class')}`);
  const classId = readNumber(door, 'class', fields.class, mixture);
  const labels = labelsOf(mixture);
  if (classId !== undefined && !labels.includes(classId))
    door.refuse(`${door.name('class')} ${classId}: the mixture's classes are ${[...new Set(labels)].join(', ')}`);
  const variance = readChoice(door, 'variance', fields.variance);
  return {
    kind: 'mixture',
    count,
    sampler,
    ...(numSteps !== undefined ? { numSteps } : {}),
    schedule,
    spacing: readChoice(door, 'spacing', fields.spacing)!,
    eta: readNumber(door, 'eta', fields.eta, mixture)!,
    ...(variance !== undefined ? { variance } : {}),
    seed,
    classId: classId ?? null,
    guidance: readNumber(door, 'guidance', fields.guidance, mixture)!,
  };
}

/** The samples as float32 [n, d], drawn in float64: sample i depends only on the seed and i. */
export function run(mixture: GaussianMixture, spec: MixtureSpec): NpyArray {
  const [n, d] = [spec.count, mixtureDim(mixture)];
  const exact = gmmDenoiser(mixture, scheduleFromName(spec.schedule));
  const guided = spec.classId !== null;
  const denoiser = guided ? classifierFreeGuidance(exact, { scale: spec.guidance }) : exact;
  return tidy(() => {
    const options = {
      rng: PerSampleRng.of(spec.seed, n),
      dtype: 'float64' as const,
      cond: guided ? indices(new Array<number>(n).fill(spec.classId!)) : null,
      numSteps: spec.numSteps,
      spacing: spec.spacing,
      eta: spec.eta,
      variance: spec.variance ?? 'posterior',
    };
    const x = samplerFor(spec.sampler, options)(denoiser, [n, d], options); // (n, d)
    return { data: x.toFloat32Array(), shape: [n, d] };
  });
}
