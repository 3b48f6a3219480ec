// `difflab classifier train`: trains the feature classifier that `difflab eval` computes FID/KID on, reports
// its accuracy on the held-out split and stores it in the file.
import { heldOutSpec, loadClassifier, saveClassifier, trainClassifier } from '../../index.js';
import { num, oneOf, str, UsageError, type Command } from '../command.js';
import { Progress } from '../progress.js';
import { loadData, readDataSpec } from '../data-option.js';
import { MAX_SEED, MAX_TRAIN_IMAGE_SIZE, checkOutputPath, requireMemory, trainingBytes } from '../limits.js';

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
      default: 'fashion-mnist',
    },
    test: {
      type: 'string',
      help: 'held-out data for the accuracy',
      default: 'the held-out split for fashion-mnist and mnist; none otherwise',
    },
    out: { type: 'string', help: 'classifier file to write (.safetensors)' },
    epochs: { type: 'string', help: 'passes over the training data', default: '5' },
    batch: { type: 'string', help: 'images per step', default: '128' },
    lr: { type: 'string', help: 'peak learning rate (AdamW, cosine decay)', default: '2e-3' },
    augment: { type: 'string', help: 'none | hflip', default: 'hflip' },
    size: { type: 'string', help: 'folder data: image size', default: '28' },
    channels: { type: 'string', help: 'folder data: 1 (grey) or 3 (RGB)', default: '1' },
    seed: { type: 'string', help: 'seed of the weights, batch order and flips', default: '0' },
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
    const out = str(v.out, 'out');
    if (!out.endsWith('.safetensors')) throw new UsageError(`--out must name a .safetensors file, got '${out}'`);
    checkOutputPath('out', out);
    const size = num(v.size, 'size', 28, { min: 8, max: MAX_TRAIN_IMAGE_SIZE, integer: true });
    const channels = oneOf(v.channels, 'channels', ['1', '3'] as const, '1') === '3' ? 3 : 1;
    const spec = readDataSpec(v.data, 'data', 'fashion-mnist');
    const testSpec = v.test === undefined ? heldOutSpec(spec) : readDataSpec(v.test, 'test');
    const folderOnly = ['size', 'channels'].find((k) => v[k] !== undefined);
    if (
      folderOnly &&
      ![spec, testSpec].some((d) => d?.startsWith('folder:') || (folderOnly === 'size' && d?.startsWith('emoji')))
    ) {
      throw new UsageError(`--${folderOnly} applies to folder:DIR data only (${spec} brings its own)`);
    }
    const epochs = num(v.epochs, 'epochs', 5, { min: 0.01 });
    const batchSize = num(v.batch, 'batch', 128, { min: 1, integer: true });
    requireMemory(`--batch ${batchSize}`, trainingBytes(batchSize, [channels, size, size]));
    const lr = num(v.lr, 'lr', 2e-3, { above: 0 });
    const seed = num(v.seed, 'seed', 0, { min: 0, max: MAX_SEED, integer: true });
    const augment = oneOf(v.augment, 'augment', ['none', 'hflip'] as const, 'hflip');
    const train = await loadData(spec, { ...(v.size !== undefined ? { size } : {}), channels });
    const test =
      testSpec === null ? null : await loadData(testSpec, { ...(v.size !== undefined ? { size } : {}), channels });
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
