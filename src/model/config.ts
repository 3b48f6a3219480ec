// A training run's whole configuration: one typed record whose defaults are stated once (trainDefaults), stored in
// config.json and in every checkpoint, so a run can be resumed or its model rebuilt from the files alone.
import {
  scheduleFromName,
  scheduleNames,
  noiseLevelDraws,
  predictionNames,
  type NoiseLevelDraw,
  type Objective,
  type Prediction,
  type Schedule,
  type ScheduleName,
} from '../diffusion/index.js';
import { precisionChoices, resolvePrecision, type Precision, type PrecisionChoice } from '../engine/index.js';
import {
  embeddingShapeOf,
  presetConfig,
  Tokenizer,
  type NetworkConfig,
  type ResolvedNetworkConfig,
  type TextEncoderConfig,
} from '../networks/index.js';

/**
 * The text encoder of a text-to-image run whose preset states none: GLIDE's layout at CPU size. 16 tokens hold the
 * longest emoji caption (14 words and <end>); 2 blocks of width 128 are a small share of a U-Net step.
 */
export const textDefaults: Omit<TextEncoderConfig, 'vocabulary'> = {
  contextLength: 16,
  width: 128,
  layers: 2,
  heads: 4,
};

export interface TrainConfig {
  /** Data source as given on the command line: 'fashion-mnist', 'mnist', 'mnist:DIR', 'folder:DIR' or 'subset'. */
  data: string;
  /** Network preset name the architecture came from (for the record). */
  preset: string;
  /** The network architecture (a preset's config, possibly adjusted to the data's channels and classes). */
  network: ResolvedNetworkConfig;
  /** Height = width of the training images in pixels. */
  imageSize: number;
  /** Class names (index = class id); empty for unconditional training. */
  classNames: string[];
  /**
   * The .npy file of condition vectors the run trained on, one row per image ([N, D], or [N, L, D] sequences), as
   * given on the command line; the network's embeddingDim and embeddingLength hold their shape. Absent: none.
   */
  embeddings?: string;
  /**
   * 'diffusion' (default): a denoiser for every noise level of the schedule. 'denoise': the single-step denoiser
   * of the teaching project, trained at the one level denoiseSigma (schedule and prediction are then unused).
   */
  task: 'diffusion' | 'denoise';
  /** The noise level of task 'denoise' on the [-1, 1] data (twice the level on [0, 1] pixels). */
  denoiseSigma: number;
  /** Noise schedule. */
  schedule: ScheduleName;
  /** The ve schedule's lambda in g(t) = lambda^t; absent: 25 (the score-based tutorial's). */
  lambda?: number;
  /** T of a discrete schedule (linear, cosine, sigmoid); absent: 1000 (DDPM's; seed 001 Part B and 004 use 300). */
  timesteps?: number;
  /** What the network predicts. */
  prediction: Prediction;
  /** Space the loss is measured in; absent: the prediction's own. */
  objective?: Objective;
  /** Min-SNR-gamma loss weighting; undefined = off. */
  minSnrGamma?: number;
  /**
   * How training draws noise levels: uniform times, or EDM's log-normal levels. Absent in older configs:
   * uniform; a new config resolves it ('lognormal' for the edm prediction, 'uniform' otherwise).
   */
  noiseLevels?: NoiseLevelDraw;
  /** Training steps in all. */
  steps: number;
  /** Images per step. */
  batchSize: number;
  /** Peak learning rate (AdamW). */
  lr: number;
  /** Linear warm-up steps. */
  lrWarmupSteps: number;
  /** Decay after warm-up. */
  lrDecay: 'cosine' | 'exponential' | 'linear' | 'constant';
  /** Where the decay ends at the last step, as a fraction of lr (cosine and exponential). */
  lrMinFactor: number;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  /** Clip the gradient's global norm to this. */
  gradClipNorm: number;
  /** EMA half-life in training images. */
  emaHalfLifeImages: number;
  /** EMA ramp-up ratio (half-life <= ratio * images seen). */
  emaRampUpRatio: number;
  /** Random horizontal flips of training images. */
  hflip: boolean;
  /**
   * Precision of the network's convolutions and matrix products ('bf16': autocast, channels-last weights; master
   * weights, optimizer, EMA, normalisation and loss stay float32). Resolved from 'auto' (bf16 where the device
   * has native bf16) when the config is made.
   */
  precision: Precision;
  /** Seed of everything random in the run (initial weights, batch order, noise, times, label dropout). */
  seed: number;
  /** Write a checkpoint every this many steps (and at the end). */
  checkpointEvery: number;
  /** Keep the last K checkpoints. */
  keepLast: number;
  /** Write a sample grid every this many steps (0: only at the end). */
  sampleEvery: number;
  /** Redraw loss.png every this many steps. */
  plotEvery: number;
  /**
   * Warm start: the model file (or checkpoint, EMA weights) whose weights the network and its EMA start from, and
   * the training steps those weights had seen. Absent (default): fresh random initialisation from the seed.
   */
  init?: { model: string; step: number };
  /** Settings changed when the run was resumed (train --resume --allow-change), oldest first; absent: none. */
  history?: ConfigChange[];
}

/** One resume that changed settings: the step it resumed at, and each setting's value before and after. */
export interface ConfigChange {
  step: number;
  changed: Record<string, { from: unknown; to: unknown }>;
}

/** Every training default, once (the CLI's help and behaviour read them from here). */
export const trainDefaults = {
  preset: 'default', // the Fashion-MNIST U-Net, 1.7M parameters (networks/presets.ts)
  task: 'diffusion', // a denoiser for every noise level; 'denoise' is the single-step denoiser
  denoiseSigma: 1.0, // task 'denoise' only, on [-1, 1] data: the seeds' sigma = 0.5 on [0, 1] pixels
  schedule: 'linear', // DDPM's beta 1e-4..0.02, T = 1000
  prediction: 'eps', // DDPM Algorithm 1
  steps: 10_000,
  batchSize: 128,
  lr: 1e-3, // AdamW's peak learning rate
  lrWarmupSteps: 200,
  lrDecay: 'cosine',
  lrMinFactor: 0.05, // the decay ends at 5% of lr
  weightDecay: 0,
  gradClipNorm: 1,
  emaHalfLifeImages: 100_000, // about 800 steps of 128
  emaRampUpRatio: 0.05, // EMA half-life <= 5% of the images seen, early on
  hflip: false, // Fashion-MNIST items have a handedness
  seed: 0,
  checkpointEvery: 500,
  keepLast: 3,
  sampleEvery: 1_000, // 0: only at the end
  plotEvery: 100,
} as const satisfies Partial<TrainConfig>;

/**
 * Defaults a preset brings with it: the score-based tutorial's U-Net learns the score on its VE SDE, as sigma_t
 * times the score (its output divided by sigma_t is the score: diffusion/conversions.ts). They apply unless the user
 * gives the field.
 */
export const presetTrainDefaults: Partial<Record<string, Partial<TrainConfig>>> = {
  scoreUNet: { prediction: 'scaled-score', schedule: 've' },
};

/** The bounds of a discrete schedule's T, and the schedules that have one. */
export const MIN_TIMESTEPS = 10;
export const MAX_TIMESTEPS = 10_000;
export const DISCRETE_SCHEDULES: readonly ScheduleName[] = ['linear', 'cosine', 'sigmoid'];

/** The run's schedule, with its options (VE's lambda, a discrete schedule's T). */
export function runSchedule(c: Pick<TrainConfig, 'schedule' | 'lambda' | 'timesteps'>): Schedule {
  return scheduleFromName(c.schedule, {
    ...(c.lambda !== undefined ? { lambda: c.lambda } : {}),
    ...(c.timesteps !== undefined ? { numTimesteps: c.timesteps } : {}),
  });
}

/**
 * A full config from the data facts and any overrides; checks every value and names the bad one. Data with
 * condition vectors gives their per-image shape, [D] or [L, D], as embeddingShape.
 */
export function resolveTrainConfig(
  o: Omit<Partial<TrainConfig>, 'precision'> & {
    data: string;
    imageChannels: number;
    imageSize: number;
    classNames: string[];
    embeddingShape?: readonly number[];
    /** The captions of a captioned dataset: the network reads text, its vocabulary learned from these. */
    captions?: readonly (readonly string[])[];
    networkOverrides?: Partial<NetworkConfig>;
    precision?: PrecisionChoice;
  },
): TrainConfig {
  const { imageChannels, embeddingShape, captions, networkOverrides, precision: choice = 'auto', ...rest } = o;
  if (!precisionChoices.includes(choice))
    throw new Error(`train: precision must be ${precisionChoices.join('|')}, got '${choice}'`);
  const { precision } = resolvePrecision(choice);
  const preset = o.preset ?? trainDefaults.preset;
  const [length, dim] = embeddingShape?.length === 2 ? embeddingShape : [0, embeddingShape?.[0] ?? 0];
  const network =
    o.network ??
    presetConfig(preset, {
      imageChannels,
      numClasses: o.classNames.length,
      ...(dim ? { embeddingDim: dim, ...(length ? { embeddingLength: length } : {}) } : {}),
      ...(networkOverrides ?? {}),
    });
  if (captions && network.kind === 'unet' && !o.network) {
    const text = { ...textDefaults, ...(network.text ?? {}) };
    network.text = { ...text, vocabulary: [...Tokenizer.fromCaptions(captions.flat(), text.contextLength).vocabulary] };
  } else if (captions && network.kind !== 'unet') {
    throw new Error(`train: text needs a U-Net preset, not ${preset}`);
  } else if (!captions && network.kind === 'unet' && network.text) {
    throw new Error(`train: the ${preset} network reads text: train it on captioned data with --text`);
  }
  const shapeText = (x: readonly number[] | null | undefined) =>
    x ? `embeddings of shape [${x.join(', ')}]` : 'no embeddings';
  if (shapeText(embeddingShape) !== shapeText(embeddingShapeOf(network))) {
    throw new Error(
      network.kind !== 'unet'
        ? `train: embeddings need a U-Net preset (default or tiny), not ${preset}`
        : `train: the network takes ${shapeText(embeddingShapeOf(network))}, the data has ${shapeText(embeddingShape)} per image`,
    );
  }
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)); // absent = the default
  const c: TrainConfig = {
    ...trainDefaults,
    ...presetTrainDefaults[preset],
    ...given,
    preset,
    network,
    precision,
  } as TrainConfig;
  c.noiseLevels ??= c.prediction === 'edm' ? 'lognormal' : 'uniform'; // EDM's training distribution goes with it
  if (!noiseLevelDraws.includes(c.noiseLevels))
    throw new Error(`train: noiseLevels must be ${noiseLevelDraws.join('|')}, got '${c.noiseLevels}'`);
  const positiveInt = ['steps', 'batchSize', 'checkpointEvery', 'keepLast', 'plotEvery'] as const;
  for (const k of positiveInt) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`train: ${k} must be a positive integer, got ${c[k]}`);
  }
  for (const k of ['lr', 'emaHalfLifeImages', 'gradClipNorm'] as const) {
    if (!(c[k] > 0)) throw new Error(`train: ${k} must be positive, got ${c[k]}`);
  }
  if (!(c.lrMinFactor > 0 && c.lrMinFactor <= 1))
    throw new Error(`train: lrMinFactor must be in (0, 1], got ${c.lrMinFactor}`);
  if (!Number.isInteger(c.sampleEvery) || c.sampleEvery < 0)
    throw new Error(`train: sampleEvery must be >= 0, got ${c.sampleEvery}`);
  if (c.task !== 'diffusion' && c.task !== 'denoise')
    throw new Error(`train: task must be diffusion|denoise, got '${c.task}'`);
  if (!(c.denoiseSigma > 0)) throw new Error(`train: denoiseSigma must be positive, got ${c.denoiseSigma}`);
  if (
    c.timesteps !== undefined &&
    !(Number.isInteger(c.timesteps) && c.timesteps >= MIN_TIMESTEPS && c.timesteps <= MAX_TIMESTEPS)
  )
    throw new Error(`train: timesteps must be an integer in [${MIN_TIMESTEPS}, ${MAX_TIMESTEPS}], got ${c.timesteps}`);
  if (c.timesteps !== undefined && !DISCRETE_SCHEDULES.includes(c.schedule))
    throw new Error(`train: timesteps needs a discrete schedule (${DISCRETE_SCHEDULES.join(', ')}), not ${c.schedule}`);
  if (c.lambda !== undefined && (c.schedule !== 've' || !(c.lambda > 1)))
    throw new Error(`train: lambda must be > 1 and needs the ve schedule, got ${c.lambda} with ${c.schedule}`);
  // Never stored by a new run: a stored 'score' on a score network is an old file's scaled score (upgradeStored).
  if (c.prediction === 'score')
    throw new Error(
      `train: prediction 'score' (the raw score, -eps / sigma_t, which grows as 1 / sigma_t) is not trained; ` +
        `'scaled-score' learns sigma_t times it, as the scoreUNet preset does`,
    );
  if (!(scheduleNames as readonly string[]).includes(c.schedule))
    throw new Error(`train: unknown schedule '${c.schedule}' (${scheduleNames.join('|')})`);
  return c;
}

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const isCount = (x: unknown, min: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;

/**
 * A config read back from a file (JSON), checked field by field where loading and resuming rely on it; the error
 * names the field. Fields written by older versions and since dropped pass; task and precision may be absent
 * (diffusion, fp32).
 */
export function checkStoredConfig(v: unknown): TrainConfig {
  if (!isRecord(v)) throw new Error('it is not a JSON object');
  const net = v.network;
  const checks: [string, unknown, boolean, string][] = [
    ['network', net, isRecord(net), 'an object'],
    [
      'network.kind',
      isRecord(net) ? net.kind : undefined,
      isRecord(net) && ['unet', 'classic', 'score'].includes(net.kind as string),
      'unet|classic|score',
    ],
    [
      'network.imageChannels',
      isRecord(net) ? net.imageChannels : undefined,
      isRecord(net) && (net.imageChannels === 1 || net.imageChannels === 3),
      '1 or 3',
    ],
    [
      'network.numClasses',
      isRecord(net) ? net.numClasses : undefined,
      isRecord(net) && isCount(net.numClasses, 0),
      'a non-negative integer',
    ],
    ['imageSize', v.imageSize, isCount(v.imageSize, 1) && (v.imageSize as number) <= 4096, 'an integer in [1, 4096]'],
    [
      'classNames',
      v.classNames,
      Array.isArray(v.classNames) &&
        v.classNames.every((c) => typeof c === 'string') &&
        isRecord(net) &&
        v.classNames.length === net.numClasses,
      `a list of network.numClasses names`,
    ],
    ['task', v.task, v.task === undefined || v.task === 'diffusion' || v.task === 'denoise', 'diffusion|denoise'],
    ['schedule', v.schedule, (scheduleNames as readonly unknown[]).includes(v.schedule), scheduleNames.join('|')],
    [
      'prediction',
      v.prediction,
      (predictionNames as readonly unknown[]).includes(v.prediction),
      predictionNames.join('|'),
    ],
    [
      'noiseLevels',
      v.noiseLevels,
      v.noiseLevels === undefined || (noiseLevelDraws as readonly unknown[]).includes(v.noiseLevels),
      noiseLevelDraws.join('|'),
    ],
    [
      'timesteps',
      v.timesteps,
      v.timesteps === undefined ||
        (isCount(v.timesteps, MIN_TIMESTEPS) &&
          (v.timesteps as number) <= MAX_TIMESTEPS &&
          DISCRETE_SCHEDULES.includes(v.schedule as ScheduleName)),
      `an integer in [${MIN_TIMESTEPS}, ${MAX_TIMESTEPS}] on a discrete schedule`,
    ],
    ['steps', v.steps, isCount(v.steps, 1), 'a positive integer'],
    ['batchSize', v.batchSize, isCount(v.batchSize, 1), 'a positive integer'],
    ['seed', v.seed, isCount(v.seed, 0), 'a non-negative integer'],
    [
      'precision',
      v.precision,
      v.precision === undefined || v.precision === 'fp32' || v.precision === 'bf16',
      'fp32|bf16',
    ],
    [
      'init',
      v.init,
      v.init === undefined || (isRecord(v.init) && typeof v.init.model === 'string' && isCount(v.init.step, 0)),
      '{model, step}',
    ],
  ];
  const bad = checks.find(([, , ok]) => !ok);
  if (bad) throw new Error(`'${bad[0]}' must be ${bad[3]}, got ${JSON.stringify(bad[1]) ?? 'nothing'}`);
  return upgradeStored(v as unknown as TrainConfig);
}

/**
 * A stored config in today's terms, the one place old files are mapped. Score networks used to divide their output
 * by sigma_t themselves and stored prediction 'score'; that division is now the 'scaled-score' prediction, so the
 * same weights give the same denoiser. resolveTrainConfig refuses 'score', so no newer file stores that pair.
 */
function upgradeStored(c: TrainConfig): TrainConfig {
  return c.network.kind === 'score' && c.prediction === 'score' ? { ...c, prediction: 'scaled-score' } : c;
}
