// The training loop (DDPM Algorithm 1 generalised by loss.ts): AdamW with warm-up and decay, gradient clipping,
// EMA weights, a NaN/Inf guard, atomic checkpoints and exact resume, on one process or data parallel over a
// process group. Everything random about row i of step k is a pure function of (seed, k, i): the
// batch comes from epoch permutation stream(epoch), and row i's noise, time, flip and label dropout from
// stream(1 + k).stream(i), so a resumed run repeats an uninterrupted one exactly whatever the number of ranks.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Adam,
  PerSampleRng,
  Rng,
  clipGradNorm,
  dispose,
  noGrad,
  tidy,
  type BatchRandom,
  type ProcessGroup,
  type Tensor,
} from '../engine/index.js';
import { writeFileAtomic } from '../io/index.js';
import { defaultObjective, type Cond } from '../diffusion/index.js';
import { buildNetwork, type Network } from '../networks/index.js';
import type { ImageValues } from '../denoisers/index.js';
import { imageDenoiser, imageNetwork, loadModel, loadWeights, saveModel, type TrainConfig } from '../model/index.js';
import { diffusionLoss } from './loss.js';
import { emaDecay, emaUpdate, copies } from './ema.js';
import { learningRate } from './schedule.js';
import { writeLossPlot } from './loss-plot.js';
import { singleStepLoss } from './single-step.js';
import {
  latestCheckpoint,
  listCheckpoints,
  loadLatestCheckpoint,
  saveCheckpoint,
  type TrainingState,
} from './checkpoint.js';
import { resumedConfig } from './resume.js';
import { averageGradients, batchShare, broadcastState } from './data-parallel.js';

/** What the trainer needs of a data set: its size and a batch of images in [-1, 1] with their condition. */
export interface TrainingSet {
  readonly length: number;
  /**
   * (N, C, H, W) images in [-1, 1] for these indices (optionally flipped by rng) and their condition: class ids
   * int64 (N), with embeddings (N, D) or (N, L, D) when the data carries them, or null.
   */
  batch(ids: Int32Array, o: { hflip: boolean; rng: BatchRandom }): { images: Tensor; cond: Cond };
  /** The mean of the images the batches hold, (C, H, W) in [-1, 1]: with hflip, of the images and their mirrors. */
  meanImage(hflip: boolean): ImageValues;
  /** Their spread along their main directions, (k, C, H, W) (data/spread.ts), with the same mirrors. */
  spread(hflip: boolean): ImageValues;
}

export interface StepReport {
  step: number;
  totalSteps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  imagesPerSecond: number;
}

export interface TrainHooks {
  /** After every step (progress bars). */
  onStep?(r: StepReport): void;
  /** After a checkpoint is written. */
  onCheckpoint?(path: string, step: number): void;
  /**
   * Every sampleEvery steps, at previewSteps and at the end, with the EMA network (eval mode) and the data's mean
   * image (where samplers start); writes previews.
   */
  onPreview?(ema: Network, step: number, dataMean: ImageValues, dataSpread: ImageValues): void;
  /** Steps to preview at besides every sampleEvery (the ends of chosen epochs). */
  previewSteps?: readonly number[];
  /** Stops the run cleanly (a checkpoint is written first). */
  signal?: AbortSignal;
  /** Something the user should know, in one line (a damaged checkpoint skipped on resume). */
  onWarning?(message: string): void;
  /**
   * Data parallel: this process is one rank of the group. --batch stays the global batch (each rank takes
   * batchSize / worldSize rows); rank 0 alone writes files and calls the hooks. Default: one process.
   */
  group?: ProcessGroup;
}

export interface TrainResult {
  step: number;
  lastLoss: number;
  runDir: string;
  /** The inference file (EMA weights + config) written at the end. */
  modelPath: string;
  stopped: 'finished' | 'aborted';
}

/** Stops training with the step and the last checkpoint that stays good. */
export class NonFiniteLossError extends Error {}

/** The rows of step k's batch: consecutive slices of a per-epoch permutation (drop-last). */
function batchIds(seed: number, step: number, batchSize: number, n: number): Int32Array {
  const perEpoch = Math.max(1, Math.floor(n / batchSize));
  const epoch = Math.floor((step - 1) / perEpoch),
    pos = (step - 1) % perEpoch;
  const perm = new Rng(seed).stream(0).stream(epoch).permutation(n);
  if (n < batchSize) return Int32Array.from({ length: batchSize }, (_, i) => perm[i % n]!);
  return perm.slice(pos * batchSize, (pos + 1) * batchSize);
}

/** Loads config.init's weights into net; the file's architecture must be the run's. */
function warmStart(net: Network, config: TrainConfig): void {
  const init = loadModel(config.init!.model);
  try {
    if (JSON.stringify(init.config.network) !== JSON.stringify(config.network)) {
      throw new Error(`cannot start from ${config.init!.model}: its network differs from this run's`);
    }
    net.loadStateDict(init.network.stateDict());
  } finally {
    init.network.dispose();
  }
}

const csvHeader = 'step,loss,lr,grad_norm\n';

/** loss.csv rows up to and including `step` (on resume: drop what the killed run logged after its checkpoint). */
function truncateLog(path: string, step: number): void {
  if (!existsSync(path)) {
    writeFileAtomic(path, csvHeader);
    return;
  }
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((r) => r && Number(r.split(',')[0]) <= step);
  writeFileAtomic(path, csvHeader + rows.map((r) => `${r}\n`).join(''));
}

export interface ResumeOptions {
  /** Continue from the newest checkpoint that loads whole (resumedConfig checks the settings). */
  resume?: boolean;
  /** On resume, accept changed settings that alter the run's trajectory; they go into the config's history. */
  allowChange?: boolean;
}

/**
 * What in a run's settings will not do what they suggest: a warm-up the run never ends, a diffusion run too short
 * to draw much (the single-step denoiser of seed 001 B.1 learns one noise level, and is not warned).
 */
export function scheduleWarnings(
  c: Pick<TrainConfig, 'steps' | 'lrWarmupSteps' | 'lr' | 'batchSize' | 'task'>,
): string[] {
  const warnings: string[] = [];
  if (c.lrWarmupSteps >= c.steps)
    warnings.push(
      `the warm-up (${c.lrWarmupSteps} steps) is not shorter than the run (${c.steps} steps): the learning rate ` +
        `never reaches its peak ${c.lr} (give --warmup below --steps, e.g. --warmup ${Math.floor(c.steps / 10)})`,
    );
  const seen = c.steps * c.batchSize;
  if (c.task === 'diffusion' && seen < SHORT_RUN_PICTURES)
    warnings.push(
      `a short run (${seen.toLocaleString('en')} pictures seen) is likely to underfit: on the digits, 180,000 ` +
        'pictures left most samples stroke-like and 1.2 million made three in four recognisable (docs/SEEDS.md); ' +
        'give more --steps or --epochs for a usable model',
    );
  return warnings;
}

/** Below this many pictures seen a diffusion model is likely to underfit (measured on the digits: docs/SEEDS.md). */
export const SHORT_RUN_PICTURES = 1_000_000;

/** Trains per config into runDir (config.json, loss.csv, checkpoints/, model.safetensors); resume continues. */
export async function train(
  given: TrainConfig,
  data: TrainingSet,
  runDir: string,
  o: TrainHooks & ResumeOptions = {},
): Promise<TrainResult> {
  const group = o.group ?? null;
  const lead = (group?.rank ?? 0) === 0; // writes the run folder
  if (lead) for (const w of scheduleWarnings(given)) o.onWarning?.(w);
  const saved =
    o.resume && lead
      ? loadLatestCheckpoint(runDir, (why) => o.onWarning?.(`${why}; resuming from the checkpoint before it`))
      : null;
  if (o.resume && lead && !saved) {
    throw new Error(
      `cannot resume ${runDir}: ${listCheckpoints(runDir).length > 0 ? 'none of its checkpoints loads' : 'it has no checkpoint'}`,
    );
  }
  let config = given;
  if (saved) {
    try {
      config = resumedConfig(saved.config, given, saved.state.step, runDir, o);
    } catch (e) {
      dispose(saved.state);
      throw e;
    }
  }
  const share = batchShare(config.batchSize, group);
  // bf16 convolutions are fastest on channels-last weights and activations (oneDNN); fp32 ones measured no faster.
  const precision = config.precision ?? 'fp32'; // configs written before precision existed trained in fp32
  const memoryFormat = precision === 'bf16' ? 'channels-last' : 'contiguous';
  const net = buildNetwork(config.network, { rng: new Rng(config.seed).stream(1), memoryFormat });
  if (config.init && !saved && lead) warmStart(net, config);
  const params = net.namedParameters();
  const opt = new Adam(
    params.map(([, t]) => t),
    { lr: config.lr, weightDecay: config.weightDecay, weightDecayMode: 'decoupled' },
  );
  const ema = copies(params.map(([, t]) => t));
  let step = 0,
    imagesSeen = 0;
  if (saved) {
    loadWeights(net, saved.state.model, saved.path);
    const lacking = params.find(([k]) => !saved.state.ema[k]);
    if (lacking) throw new Error(`${saved.path}: no EMA of ${lacking[0]}`);
    noGrad(() => params.forEach(([k], i) => ema[i]!.copyInPlace(saved.state.ema[k]!)));
    opt.loadStateDict(saved.state.adam);
    ({ step, imagesSeen } = saved.state);
    dispose(saved.state);
  }
  if (group) {
    // every rank starts from rank 0's weights, buffers, EMA, moments and counters
    const buffers = net
      .namedBuffers()
      .map(([, t]) => t)
      .filter((t) => t.dtype === 'float32');
    const tensors = [...params.map(([, t]) => t), ...buffers, ...ema, ...opt.m, ...opt.v];
    [step, imagesSeen, opt.step] = noGrad(() => broadcastState(group, tensors, [step, imagesSeen, opt.step])) as [
      number,
      number,
      number,
    ];
  }
  const logPath = join(runDir, 'loss.csv');
  if (lead) {
    writeFileAtomic(join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    truncateLog(logPath, step);
  }

  const emaWeights = () => Object.fromEntries(params.map(([k], i) => [k, ema[i]!]));
  // the files' data.mean and data.spread, where samplers start: a resumed run keeps its checkpoint's (the same values)
  const resumedData = saved?.state.dataMean && saved.state.dataSpread ? saved.state : null;
  const dataMean = lead ? (resumedData?.dataMean ?? data.meanImage(config.hflip)) : null;
  const dataSpread = lead ? (resumedData?.dataSpread ?? data.spread(config.hflip)) : null;
  const state = (): TrainingState => ({
    step,
    imagesSeen,
    model: net.stateDict(),
    ema: emaWeights(),
    adam: opt.stateDict(),
    dataMean,
    dataSpread,
  });
  const emaNetwork = (): Network => {
    const e = buildNetwork(config.network);
    e.loadStateDict({ ...net.stateDict(), ...emaWeights() }); // buffers from the model, parameters from the EMA
    return e.eval();
  };
  const checkpoint = () => {
    if (!lead) return;
    const path = saveCheckpoint(runDir, config, state());
    o.onCheckpoint?.(path, step);
  };

  net.train();
  let lastLoss = NaN,
    stopped: TrainResult['stopped'] = 'finished';
  const started = performance.now(),
    startStep = step;
  while (step < config.steps) {
    if (!group && o.signal?.aborted) {
      stopped = 'aborted';
      break;
    }
    const k = step + 1;
    const rng = PerSampleRng.from(new Rng(config.seed).stream(1 + k), share.count, share.first); // row i: stream i
    const lr = learningRate(k, { ...config, totalSteps: config.steps });
    const ids = batchIds(config.seed, k, config.batchSize, data.length).slice(share.first, share.first + share.count);
    const { loss, gradNorm, stop } = tidy(() => {
      const { images, cond } = data.batch(ids, { hflip: config.hflip, rng });
      // The network through the model layer, as sampling runs it (no x0 clamp: it would cut the gradient); rng
      // draws the condition dropout.
      const l = (
        config.task === 'denoise'
          ? singleStepLoss(imageNetwork(net, { precision, rng }), images, config.denoiseSigma, rng, cond)
          : diffusionLoss(imageDenoiser(net, config, { precision, clipX0: null, rng }), images, {
              objective: config.objective ?? defaultObjective(config.prediction),
              minSnrGamma: config.minSnrGamma,
              noiseLevels: config.noiseLevels ?? 'uniform',
              rng,
              cond,
            })
      ).mean();
      opt.zeroGrad();
      l.backward();
      // Data parallel: the global batch's mean gradient on every rank (one all-reduce), and a collective stop.
      const global = group
        ? averageGradients(
            group,
            opt.params.map((p) => p.grad!),
            l.item(),
            o.signal?.aborted === true,
          )
        : { loss: l.item(), stop: false };
      return { ...global, gradNorm: clipGradNorm(opt.params, config.gradClipNorm) };
    });
    if (stop) {
      stopped = 'aborted';
      break;
    }
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      const last = latestCheckpoint(runDir);
      throw new NonFiniteLossError(
        `training stopped: ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} is ${Number.isFinite(loss) ? gradNorm : loss} at step ${k}; ` +
          (last
            ? `last good checkpoint ${last} (resume with a lower --lr and --allow-change)`
            : 'no checkpoint was written yet (start it afresh with a lower --lr)'),
      );
    }
    opt.update(lr);
    step = k;
    imagesSeen += config.batchSize;
    emaUpdate(ema, opt.params, emaDecay(imagesSeen, config.batchSize, config));
    lastLoss = loss;
    if (!lead) {
      if (step % 20 === 0) await new Promise((r) => setImmediate(r));
      continue;
    }
    appendFileSync(logPath, `${step},${loss},${lr},${gradNorm}\n`);
    const seconds = (performance.now() - started) / 1000;
    o.onStep?.({
      step,
      totalSteps: config.steps,
      loss,
      lr,
      gradNorm,
      imagesPerSecond: ((step - startStep) * config.batchSize) / seconds,
    });
    if (step % config.checkpointEvery === 0 && step < config.steps) checkpoint();
    if (step % config.plotEvery === 0) writeLossPlot(runDir);
    const previewNow =
      (config.sampleEvery > 0 && step % config.sampleEvery === 0) || (o.previewSteps?.includes(step) ?? false);
    if (o.onPreview && previewNow && step < config.steps) {
      const e = emaNetwork();
      o.onPreview(e, step, dataMean!, dataSpread!);
      e.dispose();
    }
    if (step % 20 === 0) await new Promise((r) => setImmediate(r)); // let signals and I/O through
  }
  checkpoint();
  const modelPath = join(runDir, 'model.safetensors');
  if (lead) {
    writeLossPlot(runDir);
    const e = emaNetwork();
    saveModel(modelPath, config, e.stateDict(), step, dataMean, dataSpread);
    o.onPreview?.(e, step, dataMean!, dataSpread!);
    e.dispose();
  }
  net.dispose();
  opt.dispose();
  for (const t of ema) t.dispose();
  return { step, lastLoss, runDir, modelPath, stopped };
}
