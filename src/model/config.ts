// A training run's whole configuration: one typed record whose defaults are stated once (trainDefaults), stored in
// config.json and in every checkpoint, so a run can be resumed or its model rebuilt from the files alone.
import {
  scheduleFromName,
  type NoiseLevelDraw,
  type Objective,
  type Prediction,
  type Schedule,
  type ScheduleName,
} from '../diffusion/index.js';
import type { Precision } from '../engine/index.js';
import type { ResolvedNetworkConfig, TextEncoderConfig } from '../networks/index.js';

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
  lrDecay: (typeof lrDecays)[number];
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
  /**
   * A text model's example prompts: a few of its training captions (drawExamplePrompts, from the seed), offered by
   * the playground and named in messages. Absent: the run read no text, or predates them.
   */
  examplePrompts?: string[];
  /** Settings changed when the run was resumed (train --resume --allow-change), oldest first; absent: none. */
  history?: ConfigChange[];
}

/** One resume that changed settings: the step it resumed at, and each setting's value before and after. */
export interface ConfigChange {
  step: number;
  changed: Record<string, { from: unknown; to: unknown }>;
}

/** The learning rate's decays after warm-up (train/schedule.ts). */
export const lrDecays = ['cosine', 'exponential', 'linear', 'constant'] as const;

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
