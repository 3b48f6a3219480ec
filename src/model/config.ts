// A training run's whole configuration: one typed record with a documented default for every field, stored in
// config.json and in every checkpoint, so a run can be resumed or its model rebuilt from the files alone.
import { scheduleNames, type Objective, type Prediction, type ScheduleName } from '../diffusion/index.js';
import { precisionChoices, resolvePrecision, type Precision, type PrecisionChoice } from '../engine/index.js';
import { presetConfig, type NetworkConfig, type ResolvedNetworkConfig } from '../networks/index.js';

export interface TrainConfig {
  /** Data source as given on the command line: 'fashion-mnist', 'mnist', 'mnist:DIR', 'folder:DIR' or 'subset'. */
  data: string;
  /** Network preset name the architecture came from (for the record). Default 'default'. */
  preset: string;
  /** The network architecture (a preset's config, possibly adjusted to the data's channels and classes). */
  network: ResolvedNetworkConfig;
  /** Height = width of the training images in pixels. */
  imageSize: number;
  /** Class names (index = class id); empty for unconditional training. */
  classNames: string[];
  /**
   * 'diffusion' (default): a denoiser for every noise level of the schedule. 'denoise': the single-step denoiser
   * of the teaching project, trained at the one level denoiseSigma (schedule and prediction are then unused).
   */
  task: 'diffusion' | 'denoise';
  /** The noise level of task 'denoise' (images in [-1, 1]). Default 0.5. */
  denoiseSigma: number;
  /** Noise schedule. Default 'linear' (DDPM). */
  schedule: ScheduleName;
  /** What the network predicts. Default 'eps' (DDPM Algorithm 1). */
  prediction: Prediction;
  /** Space the loss is measured in. Default: the prediction's own. */
  objective?: Objective;
  /** Min-SNR-gamma loss weighting; undefined = off. */
  minSnrGamma?: number;
  /** Training steps in all. Default 10,000. */
  steps: number;
  /** Images per step. Default 128. */
  batchSize: number;
  /** Peak learning rate (AdamW). Default 1e-3. */
  lr: number;
  /** Linear warm-up steps. Default 200. */
  lrWarmupSteps: number;
  /** Decay after warm-up. Default 'cosine'. */
  lrDecay: 'cosine' | 'exponential' | 'constant';
  /** Cosine floor as a fraction of lr. Default 0.05. */
  lrMinFactor: number;
  /** Exponential decay half-life in steps. Default 5,000. */
  lrHalfLifeSteps: number;
  /** AdamW decoupled weight decay. Default 0. */
  weightDecay: number;
  /** Clip the gradient's global norm to this. Default 1. */
  gradClipNorm: number;
  /** EMA half-life in training images. Default 100,000 (about 800 steps of 128). */
  emaHalfLifeImages: number;
  /** EMA ramp-up ratio (half-life <= ratio * images seen). Default 0.05. */
  emaRampUpRatio: number;
  /** Random horizontal flips of training images. Default false (Fashion-MNIST items have a handedness). */
  hflip: boolean;
  /**
   * Precision of the network's convolutions and matrix products ('bf16': autocast, channels-last weights; master
   * weights, optimizer, EMA, normalisation and loss stay float32). Resolved from 'auto' (bf16 where the device
   * has native bf16) when the config is made. Default 'auto'.
   */
  precision: Precision;
  /** Seed of everything random in the run (initial weights, batch order, noise, times, label dropout). Default 0. */
  seed: number;
  /** Write a checkpoint every this many steps (and at the end). Default 500. */
  checkpointEvery: number;
  /** Keep the last K checkpoints. Default 3. */
  keepLast: number;
  /** Write a sample grid every this many steps (0: only at the end). Default 1,000. */
  sampleEvery: number;
  /** Redraw loss.png every this many steps. Default 100. */
  plotEvery: number;
  /**
   * Warm start: the model file (or checkpoint, EMA weights) whose weights the network and its EMA start from, and
   * the training steps those weights had seen. Absent (default): fresh random initialisation from the seed.
   */
  init?: { model: string; step: number };
}

export const trainDefaults = {
  preset: 'default', task: 'diffusion', denoiseSigma: 0.5, schedule: 'linear', prediction: 'eps', steps: 10_000,
  batchSize: 128, lr: 1e-3, lrWarmupSteps: 200,
  lrDecay: 'cosine', lrMinFactor: 0.05, lrHalfLifeSteps: 5_000, weightDecay: 0, gradClipNorm: 1,
  emaHalfLifeImages: 100_000, emaRampUpRatio: 0.05, hflip: false, seed: 0, checkpointEvery: 500, keepLast: 3,
  sampleEvery: 1_000, plotEvery: 100,
} as const satisfies Partial<TrainConfig>;

/** A full config from the data facts and any overrides; checks every value and names the bad one. */
export function resolveTrainConfig(
  o: Omit<Partial<TrainConfig>, 'precision'> & {
    data: string; imageChannels: number; imageSize: number; classNames: string[];
    networkOverrides?: Partial<NetworkConfig>; precision?: PrecisionChoice;
  },
): TrainConfig {
  const { imageChannels, networkOverrides, precision: choice = 'auto', ...rest } = o;
  if (!precisionChoices.includes(choice)) throw new Error(`train: precision must be ${precisionChoices.join('|')}, got '${choice}'`);
  const { precision } = resolvePrecision(choice);
  const preset = o.preset ?? trainDefaults.preset;
  const network = o.network ?? presetConfig(preset, {
    imageChannels, numClasses: o.classNames.length, ...(networkOverrides ?? {}),
  });
  const c: TrainConfig = { ...trainDefaults, ...rest, preset, network, precision } as TrainConfig;
  const positiveInt = ['steps', 'batchSize', 'checkpointEvery', 'keepLast', 'plotEvery'] as const;
  for (const k of positiveInt) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`train: ${k} must be a positive integer, got ${c[k]}`);
  }
  for (const k of ['lr', 'emaHalfLifeImages', 'gradClipNorm', 'lrHalfLifeSteps'] as const) {
    if (!(c[k] > 0)) throw new Error(`train: ${k} must be positive, got ${c[k]}`);
  }
  if (!Number.isInteger(c.sampleEvery) || c.sampleEvery < 0) throw new Error(`train: sampleEvery must be >= 0, got ${c.sampleEvery}`);
  if (c.task !== 'diffusion' && c.task !== 'denoise') throw new Error(`train: task must be diffusion|denoise, got '${c.task}'`);
  if (!(c.denoiseSigma > 0)) throw new Error(`train: denoiseSigma must be positive, got ${c.denoiseSigma}`);
  if (!(scheduleNames as readonly string[]).includes(c.schedule)) throw new Error(`train: unknown schedule '${c.schedule}' (${scheduleNames.join('|')})`);
  return c;
}
