// The run config's settings as fields (model/fields.ts): each one's type, default (trainDefaults'), bounds and
// one-line help, once. `difflab train` makes its options, help and checks from them (cli/commands/train-options.ts,
// through the CLI door), resolveTrainConfig checks a new config against them, and checkStoredConfig one read back
// from a file: a value the command line refuses is one no config holds. Keys are TrainConfig's.
import { noiseLevelDraws, objectiveNames, predictionNames, scheduleNames } from '../diffusion/index.js';
import { choice, flag, int, numberVerdict, rangeText, real, boundAt } from './fields.js';
import { MAX_TIMESTEPS, MIN_TIMESTEPS, lrDecays, trainDefaults } from './config.js';

const d = trainDefaults;

export const trainFields = {
  steps: int(d.steps, { min: 1 }, 'training steps'),
  batchSize: int(d.batchSize, { min: 1, cli: 'batch' }, 'images per step'),
  lr: real(d.lr, { above: 0 }, 'peak learning rate (AdamW)'),
  lrWarmupSteps: int(d.lrWarmupSteps, { min: 0, cli: 'warmup' }, 'learning-rate warm-up steps'),
  lrDecay: choice(
    lrDecays,
    d.lrDecay,
    `${lrDecays.join(' | ')}: after warm-up, down to --lr-final x lr at the last step (linear: towards 0, floored at --lr-final x lr; seed 000's rule is --lr-decay linear --lr-final 0.2 --warmup 0)`,
  ),
  lrMinFactor: real(
    d.lrMinFactor,
    { above: 0, max: 1, cli: 'lr-final' },
    'the learning rate at the last step as a fraction of --lr (cosine, exponential)',
  ),
  weightDecay: real(d.weightDecay, { min: 0 }, 'AdamW weight decay'),
  gradClipNorm: real(d.gradClipNorm, { above: 0, cli: 'grad-clip' }, 'clip the gradient norm to this'),
  emaHalfLifeImages: real(d.emaHalfLifeImages, { min: 1, cli: 'ema-half-life' }, 'EMA half-life in training images'),
  task: choice(['diffusion', 'denoise'], d.task, 'diffusion | denoise (single-step denoiser at one --denoise-sigma)'),
  /** On the [-1, 1] data; the command line takes it on [0, 1] pixels, as the seeds do. */
  denoiseSigma: real(d.denoiseSigma, { above: 0 }, 'task denoise: the noise level it learns to remove, on the data'),
  prediction: choice(
    predictionNames,
    d.prediction,
    "what the network predicts: eps | x0 | v | scaled-score (the score times sigma_t; the scoreUNet preset's, on ve) | edm (Karras et al. 2022 preconditioning)",
  ),
  objective: {
    ...choice(objectiveNames, undefined, `space of the loss: ${objectiveNames.join(' | ')}`),
    defaultText: 'the prediction',
  },
  noiseLevels: {
    ...choice(
      noiseLevelDraws,
      undefined,
      "how training draws noise levels: uniform (the schedule's times) | lognormal (EDM's ln sigma ~ N(-1.2, 1.2^2))",
    ),
    defaultText: 'lognormal for --prediction edm, else uniform',
  },
  minSnrGamma: real(undefined, { above: 0, cli: 'min-snr' }, 'min-SNR-gamma loss weighting (e.g. 5); off when absent'),
  schedule: choice(scheduleNames, d.schedule, scheduleNames.join(' | ')),
  lambda: real(undefined, { above: 1 }, 've schedule: lambda in g(t) = lambda^t (the score-based tutorial: 25)'),
  timesteps: int(
    undefined,
    { min: MIN_TIMESTEPS, max: MAX_TIMESTEPS, defaultText: '1000' },
    `T of a discrete schedule (linear, cosine, sigmoid): ${MIN_TIMESTEPS}..${MAX_TIMESTEPS} (seed 001 Part B and seed 004: 300)`,
  ),
  hflip: flag('random horizontal flips'),
  // Every seed Rng takes: an integer in [0, 2^53).
  seed: int(d.seed, { min: 0, max: Number.MAX_SAFE_INTEGER }, 'seed of everything random in the run'),
  checkpointEvery: int(d.checkpointEvery, { min: 1 }, 'steps between checkpoints'),
  keepLast: int(d.keepLast, { min: 1 }, 'checkpoints to keep'),
  sampleEvery: int(d.sampleEvery, { min: 0 }, 'steps between sample grids (0: only at the end)'),
};
export type TrainFieldKey = keyof typeof trainFields;

type TrainField = (typeof trainFields)[TrainFieldKey];

/** What a field's value must be, in words: 'an integer >= 1', 'a number in (0, 1]', 'linear|cosine|...'. */
function expected(f: TrainField): string {
  if (f.type === 'choice') return f.choices.join('|');
  if (f.type === 'flag') return 'true or false';
  return `${f.type === 'int' ? 'an integer' : 'a number'}${rangeText(boundsIn(f))}`;
}
const boundsIn = (f: TrainField & { type: 'int' | 'number' }) => ({
  min: boundAt(f.min, undefined),
  max: boundAt(f.max, undefined),
  ...(f.above !== undefined ? { above: f.above } : {}),
});

function fits(f: TrainField, v: unknown): boolean {
  if (f.type === 'choice') return (f.choices as readonly unknown[]).includes(v);
  if (f.type === 'flag') return typeof v === 'boolean';
  // An integer read from JSON is an exact one (a safe integer), whatever its bounds.
  const exact = f.type !== 'int' || Number.isSafeInteger(v);
  return typeof v === 'number' && exact && numberVerdict(v, { integer: f.type === 'int', ...boundsIn(f) }) === null;
}

/**
 * The first train field of a config whose value is not of its type or out of its bounds, as "'steps' must be an
 * integer >= 1, got 0"; null when every one fits. Fields left out pass unless `required`: a new config's optional
 * ones (lambda, timesteps), or those an older file predates.
 */
export function trainFieldProblem(
  c: { readonly [K in TrainFieldKey]?: unknown },
  required: readonly TrainFieldKey[] = [],
): string | null {
  for (const key of Object.keys(trainFields) as TrainFieldKey[]) {
    const [f, v]: [TrainField, unknown] = [trainFields[key], c[key]];
    if (v === undefined ? required.includes(key) : !fits(f, v))
      return `'${key}' must be ${expected(f)}, got ${JSON.stringify(v) ?? 'nothing'}`;
  }
  return null;
}
