// `difflab classifier train`: trains the feature classifier that `difflab eval` computes FID/KID on, reports
// its accuracy on the held-out split and stores it in the file.
import {
  EMOJI_IMAGE_SIZE,
  FOLDER_IMAGE_SIZE,
  heldOutSpec,
  loadClassifier,
  saveClassifier,
  trainClassifier,
} from '../../index.js';
import { num, oneOf, str, UsageError, type Command } from '../command.js';
import { Progress } from '../progress.js';
import { loadData, readDataSpec } from '../data-option.js';
import { MAX_SEED, MAX_TRAIN_IMAGE_SIZE, checkOutputPath, requireMemory, trainingBytes } from '../limits.js';

/**
 * What classifier train runs with unless told: Fashion-MNIST, five epochs of AdamW at 2e-3 in batches of 128 with
 * horizontal flips (a few minutes on a CPU; FID's features need a good classifier, not a perfect one).
 */
const classifierDefaults = {
  data: 'fashion-mnist',
  epochs: 5,
  batch: 128,
  lr: 2e-3,
  augment: 'hflip' as const,
  channels: '1' as const,
  seed: 0,
};

export interface ClassifierSettings {
  out: string;
  data: string;
  /** Held-out data for the accuracy; null: none. */
  test: string | null;
  /** Folder and emoji pictures are read at this size (other sources bring their own). */
  size: number;
  channels: 1 | 3;
  epochs: number;
  batchSize: number;
  lr: number;
  augment: 'none' | 'hflip';
  seed: number;
}

/** The options of classifier train as its settings (defaults: classifierDefaults, the data's own size and split). */
export function readClassifierSettings(v: Record<string, unknown>): ClassifierSettings {
  const d = classifierDefaults;
  const out = str(v.out, 'out');
  if (!out.endsWith('.safetensors')) throw new UsageError(`--out must name a .safetensors file, got '${out}'`);
  checkOutputPath('out', out);
  const channels = oneOf(v.channels, 'channels', ['1', '3'] as const, d.channels) === '3' ? 3 : 1;
  const data = readDataSpec(v.data, 'data', d.data);
  const test = v.test === undefined ? heldOutSpec(data) : readDataSpec(v.test, 'test');
  const size = num(v.size, 'size', data.startsWith('emoji') ? EMOJI_IMAGE_SIZE : FOLDER_IMAGE_SIZE, {
    min: 8,
    max: MAX_TRAIN_IMAGE_SIZE,
    integer: true,
  });
  const folderOnly = ['size', 'channels'].find((k) => v[k] !== undefined);
  if (
    folderOnly &&
    ![data, test].some((s) => s?.startsWith('folder:') || (folderOnly === 'size' && s?.startsWith('emoji')))
  ) {
    throw new UsageError(`--${folderOnly} applies to folder:DIR data only (${data} brings its own)`);
  }
  return {
    out,
    data,
    test,
    size,
    channels,
    epochs: num(v.epochs, 'epochs', d.epochs, { min: 0.01 }),
    batchSize: num(v.batch, 'batch', d.batch, { min: 1, integer: true }),
    lr: num(v.lr, 'lr', d.lr, { above: 0 }),
    seed: num(v.seed, 'seed', d.seed, { min: 0, max: MAX_SEED, integer: true }),
    augment: oneOf(v.augment, 'augment', ['none', 'hflip'] as const, d.augment),
  };
}

export const classifierCommand: Command = {
  name: 'classifier',
  summary: 'train the feature classifier used by difflab eval (FID/KID features, class accuracy)',
  usage:
    'train --data SOURCE --out FILE.safetensors [--epochs E] [--test SOURCE]\n       difflab classifier info FILE.safetensors',
  maxPositionals: 2,
  options: {
    data: {
      type: 'string',
      help: 'labelled data: fashion-mnist[:DIR] | mnist | mnist:DIR | folder:DIR (one sub-folder per class)',
      default: classifierDefaults.data,
    },
    test: {
      type: 'string',
      help: 'held-out data for the accuracy',
      default: 'the held-out split for fashion-mnist, mnist and mnist-full; none otherwise',
    },
    out: { type: 'string', help: 'classifier file to write (.safetensors)' },
    epochs: { type: 'string', help: 'passes over the training data', default: String(classifierDefaults.epochs) },
    batch: { type: 'string', help: 'images per step', default: String(classifierDefaults.batch) },
    lr: { type: 'string', help: 'peak learning rate (AdamW, cosine decay)', default: String(classifierDefaults.lr) },
    augment: { type: 'string', help: 'none | hflip', default: classifierDefaults.augment },
    size: {
      type: 'string',
      help: 'folder or emoji data: image size',
      default: `${FOLDER_IMAGE_SIZE} (folder data), ${EMOJI_IMAGE_SIZE} (emoji)`,
    },
    channels: { type: 'string', help: 'folder data: 1 (grey) or 3 (RGB)', default: classifierDefaults.channels },
    seed: {
      type: 'string',
      help: 'seed of the weights, batch order and flips',
      default: String(classifierDefaults.seed),
    },
  },
  async run(v, positionals) {
    const [action, file] = positionals;
    const given = Object.keys(v).filter((k) => v[k] !== undefined);
    if (action === 'info') {
      if (!file) throw new UsageError('classifier info: give the classifier file');
      if (given.length > 0) throw new UsageError(`--${given[0]} does not apply to classifier info`);
      const c = loadClassifier(file);
      console.log(
        JSON.stringify(
          {
            config: c.classifier.config,
            classNames: c.classNames,
            testAccuracy: c.testAccuracy,
            parameters: c.classifier.parameterCount(),
            ...c.info,
          },
          null,
          2,
        ),
      );
      c.classifier.dispose();
      return 0;
    }
    if (action !== 'train')
      throw new UsageError(
        `classifier: expected 'train' or 'info', got '${action ?? ''}' (see difflab classifier --help)`,
      );
    if (file !== undefined) throw new UsageError(`classifier train: unexpected argument '${file}' (the file is --out)`);
    const {
      out,
      data: spec,
      test: testSpec,
      size,
      channels,
      epochs,
      batchSize,
      lr,
      seed,
      augment,
    } = readClassifierSettings(v);
    requireMemory(`--batch ${batchSize}`, trainingBytes(batchSize, [channels, size, size]));
    // Folder and emoji data at the settings' size, training and held-out data alike; other sources bring their own.
    const train = await loadData(spec, { size, channels });
    const test = testSpec === null ? null : await loadData(testSpec, { size, channels });
    if (!train.labels || train.classNames.length < 2)
      throw new UsageError(`--data ${spec} has no labels (a folder needs one sub-folder per class)`);
    const bar = new Progress({
      label: 'classifier',
      total: Math.max(1, Math.round(epochs * Math.floor(train.count / batchSize))),
      unit: 'img',
      unitsPerTick: batchSize,
    });
    const started = performance.now();
    const trained = await trainClassifier(train, test, {
      epochs,
      batchSize,
      lr,
      seed,
      augment,
      onStep: (r) => bar.update(r.step, `loss ${r.loss.toFixed(4)}`),
    });
    bar.done();
    const minutes = (performance.now() - started) / 60_000;
    trained.info = {
      ...trained.info,
      data: spec,
      test: testSpec ?? '',
      trainMinutes: minutes.toFixed(1),
      command: `difflab classifier ${process.argv.slice(3).join(' ')}`.trim(),
    };
    saveClassifier(out, trained);
    const acc =
      trained.testAccuracy === null
        ? 'no test split'
        : `test accuracy ${(100 * trained.testAccuracy).toFixed(2)}% on ${testSpec} (${test!.count} images)`;
    console.log(`${out}: ${trained.classifier.parameterCount()} parameters, ${acc}, ${minutes.toFixed(1)} min`);
    trained.classifier.dispose();
    return 0;
  },
};
