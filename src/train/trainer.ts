// The training loop (DDPM Algorithm 1 generalised by diffusion/objectives.ts): AdamW with warm-up and decay,
// gradient clipping, EMA weights, a NaN/Inf guard, atomic checkpoints and exact resume. Everything random in
// step k is a pure function of (seed, k): the batch comes from epoch permutation stream(epoch) and the noise,
// times and label dropout from stream(k), so a resumed run repeats an uninterrupted one exactly.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, Rng, autocast, clipGradNorm, dispose, noGrad, tidy, type Tensor } from '../engine/index.js';
import { writeFileAtomic } from '../io/index.js';
import { diffusionLoss, type Cond } from '../diffusion/index.js';
import { buildNetwork, type Network } from '../networks/index.js';
import { scheduleFromName, type TrainConfig } from './config.js';
import { emaDecay, emaUpdate, copies } from './ema.js';
import { learningRate } from './schedule.js';
import { writeLossPlot } from './loss-plot.js';
import { singleStepLoss } from './single-step.js';
import { latestCheckpoint, loadCheckpoint, loadModel, saveCheckpoint, saveModel, type TrainingState } from './checkpoint.js';

/** What the trainer needs of a data set: its size and a batch of images in [-1, 1] with labels. */
export interface TrainingSet {
  readonly length: number;
  /** (N, C, H, W) images in [-1, 1] for these indices (optionally flipped by rng), labels int64 (N) or null. */
  batch(ids: Int32Array, o: { hflip: boolean; rng: Rng }): { images: Tensor; labels: Tensor | null };
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
  /** Every sampleEvery steps and at the end, with the EMA network (eval mode); writes previews. */
  onPreview?(ema: Network, step: number): void;
  /** Stops the run cleanly (a checkpoint is written first). */
  signal?: AbortSignal;
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
  const epoch = Math.floor((step - 1) / perEpoch), pos = (step - 1) % perEpoch;
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
  if (!existsSync(path)) { writeFileAtomic(path, csvHeader); return; }
  const rows = readFileSync(path, 'utf8').split('\n').slice(1).filter((r) => r && Number(r.split(',')[0]) <= step);
  writeFileAtomic(path, csvHeader + rows.map((r) => `${r}\n`).join(''));
}

/** Trains per config into runDir (config.json, loss.csv, checkpoints/, model.safetensors); resume continues. */
export async function train(config: TrainConfig, data: TrainingSet, runDir: string, o: TrainHooks & { resume?: boolean } = {}): Promise<TrainResult> {
  const schedule = scheduleFromName(config.schedule);
  // bf16 convolutions are fastest on channels-last weights and activations (oneDNN); fp32 ones measured no faster.
  const precision = config.precision ?? 'fp32'; // configs written before precision existed trained in fp32
  const memoryFormat = precision === 'bf16' ? 'channels-last' : 'contiguous';
  const net = buildNetwork(config.network, { rng: new Rng(config.seed).stream(1), memoryFormat });
  const resumeFrom = o.resume ? latestCheckpoint(runDir) : null;
  if (config.init && !resumeFrom) warmStart(net, config);
  const params = net.namedParameters();
  const opt = new Adam(params.map(([, t]) => t), { lr: config.lr, weightDecay: config.weightDecay, weightDecayMode: 'decoupled' });
  const ema = copies(params.map(([, t]) => t));
  let step = 0, imagesSeen = 0;
  if (resumeFrom) {
    const saved = loadCheckpoint(resumeFrom);
    const same = (k: keyof TrainConfig) => JSON.stringify(saved.config[k]) === JSON.stringify(config[k]);
    for (const k of ['network', 'schedule', 'prediction', 'seed', 'batchSize', 'data'] as const) {
      if (!same(k)) throw new Error(`cannot resume ${runDir}: its ${k} differs from this run's (start a new --out)`);
    }
    net.loadStateDict(saved.state.model);
    noGrad(() => params.forEach(([k], i) => ema[i]!.copyInPlace(saved.state.ema[k]!)));
    opt.loadStateDict(saved.state.adam);
    ({ step, imagesSeen } = saved.state);
    dispose(saved.state);
  }
  writeFileAtomic(join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const logPath = join(runDir, 'loss.csv');
  truncateLog(logPath, step);

  const emaWeights = () => Object.fromEntries(params.map(([k], i) => [k, ema[i]!]));
  const state = (): TrainingState => ({ step, imagesSeen, model: net.stateDict(), ema: emaWeights(), adam: opt.stateDict() });
  const emaNetwork = (): Network => {
    const e = buildNetwork(config.network);
    e.loadStateDict({ ...net.stateDict(), ...emaWeights() }); // buffers from the model, parameters from the EMA
    return e.eval();
  };
  const checkpoint = () => {
    const path = saveCheckpoint(runDir, config, state());
    o.onCheckpoint?.(path, step);
  };

  net.train();
  let lastLoss = NaN, stopped: TrainResult['stopped'] = 'finished';
  const started = performance.now(), startStep = step;
  while (step < config.steps) {
    if (o.signal?.aborted) { stopped = 'aborted'; break; }
    const k = step + 1;
    const rng = new Rng(config.seed).stream(1 + k);
    const lr = learningRate(k, { ...config, totalSteps: config.steps });
    const { loss, gradNorm } = tidy(() => {
      const { images, labels } = data.batch(batchIds(config.seed, k, config.batchSize, data.length), { hflip: config.hflip, rng });
      const netFn = (x: Tensor, t: Tensor, cond: Cond) =>
        autocast(precision, () => net.forward(x, t, cond ? { classes: cond, rng } : {})).to('float32');
      const l = (config.task === 'denoise'
        ? singleStepLoss(netFn, images, config.denoiseSigma, rng, labels)
        : diffusionLoss(netFn, images, {
          schedule, prediction: config.prediction, objective: config.objective, minSnrGamma: config.minSnrGamma, rng, cond: labels,
        })).mean();
      opt.zeroGrad();
      l.backward();
      return { loss: l.item(), gradNorm: clipGradNorm(opt.params, config.gradClipNorm) };
    });
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      const last = latestCheckpoint(runDir);
      throw new NonFiniteLossError(`training stopped: ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} is ${Number.isFinite(loss) ? gradNorm : loss} at step ${k}; ` +
        (last ? `last good checkpoint ${last} (resume with a lower --lr)` : 'no checkpoint was written yet'));
    }
    opt.update(lr);
    step = k;
    imagesSeen += config.batchSize;
    emaUpdate(ema, opt.params, emaDecay(imagesSeen, config.batchSize, config));
    lastLoss = loss;
    appendFileSync(logPath, `${step},${loss},${lr},${gradNorm}\n`);
    const seconds = (performance.now() - started) / 1000;
    o.onStep?.({ step, totalSteps: config.steps, loss, lr, gradNorm, imagesPerSecond: ((step - startStep) * config.batchSize) / seconds });
    if (step % config.checkpointEvery === 0 && step < config.steps) checkpoint();
    if (step % config.plotEvery === 0) writeLossPlot(runDir);
    if (o.onPreview && config.sampleEvery > 0 && step % config.sampleEvery === 0 && step < config.steps) {
      const e = emaNetwork();
      o.onPreview(e, step);
      e.dispose();
    }
    if (step % 20 === 0) await new Promise((r) => setImmediate(r)); // let signals and I/O through
  }
  checkpoint();
  writeLossPlot(runDir);
  const modelPath = join(runDir, 'model.safetensors');
  const e = emaNetwork();
  saveModel(modelPath, config, e.stateDict(), step);
  o.onPreview?.(e, step);
  e.dispose();
  net.dispose();
  opt.dispose();
  for (const t of ema) t.dispose();
  return { step, lastLoss, runDir, modelPath, stopped };
}
