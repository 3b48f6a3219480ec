// The fields several kinds of job share, read once for every door: how a job samples (sampler, steps, eta,
// variance, seed, guidance) and what it conditions on (a class, a prompt, a negative prompt). Bounds are the
// library's; the public server narrows some of them by named caps (server/protocol.ts).
import { classIdOf } from '../model/classes.js';
import { defaultStepsFor, defaultStepsText, samplerNames, type SamplerName } from '../samplers/names.js';
import {
  choice,
  classOf,
  int,
  isGiven,
  readChoice,
  readNumber,
  real,
  show,
  text,
  vectors,
  boundsOf,
  type Door,
  type FieldContext,
} from './fields.js';
import { promptProblem } from './prompts.js';
import { DEFAULT_SEED, type ConditionSpec, type SamplingDefaults, type SamplingSpec } from './specs.js';

/** The largest seed (Rng takes any integer in [0, 2^53)). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;
/** Sampler steps on a continuous schedule (a discrete one allows its T): a grid is one float per step. */
export const MAX_CONTINUOUS_STEPS = 10_000;
/** Classifier-free guidance scales beyond this only overflow (x0 = uncond + w (cond - uncond)). */
export const MAX_GUIDANCE = 100;
/** DDPM's reverse-step variances (Ho et al. 2020 Sec. 3.2). */
export const VARIANCES = ['posterior', 'beta'] as const;
/** Where a sampler starts from noise (Denoiser.priorMean and priorSpread). */
export const STARTS = ['data', 'data-mean', 'zero'] as const;

/** The start field, for the jobs that sample from noise (not SDEdit, inpainting or denoising: they start at a picture). */
export const startField = choice(
  STARTS,
  'data',
  "where sampling starts: data (the Gaussian with the training images' mean and spread, plus noise) | data-mean (their mean plus noise) | zero (x_T ~ N(0, I), as the seeds start); a model file without a spread starts at its mean, one without a mean (before 2026-12-04) at zero",
);

/** The sampling fields of a kind of job, with its own defaults (its job file's `defaults`). */
export function samplingFields(d: SamplingDefaults) {
  return {
    sampler: choice(samplerNames, d.sampler, samplerNames.join('|')),
    steps: {
      ...int(
        undefined,
        { min: 1, max: (c: FieldContext) => c.schedule.numTimesteps ?? MAX_CONTINUOUS_STEPS },
        'sampler steps',
      ),
      defaultText: `the sampler's own (${defaultStepsText})`,
    },
    eta: real(d.eta, { min: 0, max: 1 }, 'ddim stochasticity in [0, 1] (1: the strided DDPM posterior)'),
    variance: choice(
      VARIANCES,
      undefined,
      "ddpm's reverse-step variance: posterior (beta-tilde) | beta (sigma_t^2 = beta_t, seed 002)",
    ),
    seed: int(DEFAULT_SEED, { min: 0, max: MAX_SEED }, 'random seed; image i depends only on the seed and i'),
    guidance: real(
      d.guidance,
      { min: 0, max: MAX_GUIDANCE },
      'classifier-free guidance scale (1: none; needs a class or a prompt)',
    ),
  };
}
export type SamplingFields = ReturnType<typeof samplingFields>;

/** Refuses a sampling field given for a sampler that takes none: eta is DDIM's, variance DDPM's. */
export function refuseOtherSamplersFields(door: Door, sampler: string): void {
  for (const [key, only] of [
    ['eta', 'ddim'],
    ['variance', 'ddpm'],
  ] as const)
    if (isGiven(door, key) && sampler !== only)
      door.refuse(`${door.name(key)} applies to the ${only} sampler only, not ${sampler}`);
}

/** A kind's sampling settings from a door: defaults the kind's, steps the sampler's own unless given. */
export function readSampling(
  door: Door,
  defaults: SamplingDefaults,
  ctx: FieldContext,
  o: { ownGrid?: boolean } = {},
): SamplingSpec {
  const f = samplingFields(defaults);
  const sampler = readChoice(door, 'sampler', f.sampler)!;
  refuseOtherSamplersFields(door, sampler);
  const maxSteps = boundsOf('steps', f.steps, ctx, door.caps).max!;
  const ownSteps = defaultStepsFor(sampler as SamplerName, ctx.schedule.numTimesteps);
  // Without steps a sampler runs its own default, unless the job has its own grid (denoise's stride).
  if (!o.ownGrid && !isGiven(door, 'steps') && ownSteps > maxSteps)
    door.refuse(
      `${door.name('steps')} is required for ${sampler} here: its own default, ${ownSteps}, is over ${maxSteps}`,
    );
  const numSteps = readNumber(door, 'steps', f.steps, ctx);
  const variance = readChoice(door, 'variance', f.variance);
  return {
    sampler: sampler as SamplerName,
    ...(numSteps !== undefined ? { numSteps } : {}),
    eta: readNumber(door, 'eta', f.eta, ctx)!,
    ...(variance !== undefined ? { variance } : {}),
    startAt: readChoice(door, 'startAt', startField)!,
    seed: readNumber(door, 'seed', f.seed, ctx)!,
    guidance: readNumber(door, 'guidance', f.guidance, ctx)!,
  };
}

/** The condition fields of a job with one condition. */
export const conditionFields = {
  class: classOf('condition on this class (name or id)'),
  prompt: text(
    'a prompt: words for a model that reads text ("red apple"), or the name of a condition vector stored in a model trained with --embeddings',
  ),
  negativePrompt: text("words for guidance's unconditional branch instead of the empty prompt (models that read text)"),
  embedding: vectors(
    'condition vectors (.npy, float32/64) for a model trained with --embeddings: one for every image or one row per image',
  ),
};
/** negativePrompt's field, for the jobs with two conditions (the first side's). */
export const negativePromptField = conditionFields.negativePrompt;

/**
 * A job with one condition: its condition (vectors too where the door takes files) and sampling settings, with
 * guidance checked to have something to guide towards.
 */
export function readConditioned(
  door: Door,
  defaults: SamplingDefaults,
  ctx: FieldContext,
  o: { ownGrid?: boolean } = {},
): { condition: ConditionSpec; sampling: SamplingSpec } {
  const condition = readCondition(door, ctx);
  if (isGiven(door, 'embedding')) condition.embedding = door.vectors!('embedding', door.given('embedding'));
  const sampling = readSampling(door, defaults, ctx, o);
  checkGuidance(door, condition, sampling.guidance, ['class', 'prompt', 'embedding']);
  return { condition, sampling };
}

/** What a model reading no prompts is called in messages: its file where the door knows it. */
const modelName = (ctx: FieldContext) => ctx.source ?? 'the model';

/** A class field (name or id) as an id; null when absent. */
export function readClass(door: Door, key: string, ctx: FieldContext): number | null {
  if (!isGiven(door, key)) return null;
  const raw = door.given(key);
  if (typeof raw !== 'string' && typeof raw !== 'number')
    door.refuse(`${door.name(key)} must be a class name or id, got ${show(raw)}`);
  if (ctx.classNames.length === 0)
    door.refuse(`${door.name(key)}: ${modelName(ctx)} has no classes (${ctx.conditioning})`);
  try {
    return classIdOf(String(raw), ctx.classNames);
  } catch (e) {
    door.refuse(`${door.name(key)}: ${(e as Error).message}`);
  }
}

/** A prompt field checked against how the model reads prompts (promptProblem); undefined when absent. */
export function readPrompt(door: Door, key: string, ctx: FieldContext): string | undefined {
  if (!isGiven(door, key)) return undefined;
  const raw = door.given(key);
  const s = door.text(raw);
  if (s === null) door.refuse(`${door.name(key)} must be a string, got ${show(raw)}`);
  if (ctx.reads === 'none') door.refuse(`${door.name(key)}: ${modelName(ctx)} reads no prompts (${ctx.conditioning})`);
  const problem = promptProblem(ctx.reads, s);
  if (problem) door.refuse(`${door.name(key)} ${problem}`);
  return s;
}

/**
 * A condition from a class field and a prompt field (and the negative prompt where `negative`): either, both
 * (a class and a prompt together), or neither. `side` makes it one of an anagram's or a hybrid's two: exactly
 * one of the two is required.
 */
export function readCondition(
  door: Door,
  ctx: FieldContext,
  keys: { class: string; prompt: string; negative?: string; side?: boolean } = {
    class: 'class',
    prompt: 'prompt',
    negative: 'negativePrompt',
  },
): ConditionSpec {
  if (keys.side && isGiven(door, keys.class) === isGiven(door, keys.prompt))
    door.refuse(
      isGiven(door, keys.class)
        ? `give ${door.name(keys.class)} or ${door.name(keys.prompt)}, not both`
        : `${door.name(keys.class)} or ${door.name(keys.prompt)} is required (a class name or id, or a prompt)`,
    );
  const classId = readClass(door, keys.class, ctx);
  const prompt = readPrompt(door, keys.prompt, ctx);
  const negativePrompt = keys.negative ? readPrompt(door, keys.negative, ctx) : undefined;
  if (negativePrompt !== undefined && ctx.reads !== 'text')
    door.refuse(`${door.name(keys.negative!)}: ${modelName(ctx)} reads no text (${ctx.conditioning})`);
  return {
    ...(classId !== null ? { classes: classId } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(negativePrompt !== undefined ? { negativePrompt } : {}),
  };
}

/** Guidance other than 1 needs something to guide towards: one of `keys` (those the door offers). */
export function checkGuidance(door: Door, c: ConditionSpec, guidance: number, keys: readonly string[]): void {
  const given = c.classes !== undefined || c.prompt !== undefined || c.embedding !== undefined;
  if (given || !isGiven(door, 'guidance') || guidance === 1) return;
  const names = keys.filter((k) => door.offers(k)).map((k) => door.name(k));
  door.refuse(`${door.name('guidance')} needs ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
}
