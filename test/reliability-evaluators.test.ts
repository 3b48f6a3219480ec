// The reliability corpus, evaluators (docs/RELIABILITY.md): eval refuses a feature classifier that does not fit
// what it measures (another size or channel count, or other classes than the model's or the data's), naming both
// files, before any sample is drawn. (A Fashion-MNIST classifier on the MNIST model reported 10% and exited 0.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLASSIFIER_PATH, DEFAULT_MODEL_PATH, encodePng } from '../src/index.js';
import { cliCases, countsMatchDocs, type CliCase, type Setup } from './reliability-harness.js';
import { tempDir } from './helpers.js';

const D = tempDir('difflab-reliability-evaluators-');
const models = join(DEFAULT_MODEL_PATH, '..');
const MNIST = join(models, 'mnist.safetensors'),
  MNIST_CLASSIFIER = join(models, 'mnist-classifier.safetensors');
// A classifier of 8x8 pictures (two classes of one grey level each), made by the setup below.
const SMALL_DATA = join(D, 'small');
for (const [cls, level] of [
  ['dark', 40],
  ['light', 220],
] as const) {
  mkdirSync(join(SMALL_DATA, cls), { recursive: true });
  for (const i of [0, 1])
    writeFileSync(
      join(SMALL_DATA, cls, `${i}.png`),
      encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(level + i) }),
    );
}
const SMALL = join(D, 'small-classifier.safetensors');
const setup: Setup = {
  setup: 'an 8x8 classifier',
  args: ['classifier', 'train', '--data', `folder:${SMALL_DATA}`, '--size', '8', '--batch', '2', '--out', SMALL],
};

const report = (name: string) => join(D, `${name}.json`);
const refused = (name: string, args: string[], message: RegExp, names: string): CliCase => ({
  category: 'evaluators',
  args: ['eval', ...args, '--n', '20', '--out', report(name)],
  code: 1,
  message,
  names,
  absent: [report(name), join(D, `${name}.samples`)],
});
const classes = (classifier: string, other: string) =>
  new RegExp(
    `--classifier .*${classifier} knows the classes \\[.*\\], ${other} has \\[.*\\]: (give --data with the classifier.s classes, or )?train one on its data`,
  );

const cases: CliCase[] = [
  refused(
    'mnist-model',
    ['--model', MNIST],
    classes('fashion-mnist-classifier\\.safetensors', `--model .*mnist\\.safetensors`),
    DEFAULT_CLASSIFIER_PATH,
  ),
  refused(
    'fashion-model',
    ['--model', DEFAULT_MODEL_PATH, '--classifier', MNIST_CLASSIFIER],
    classes('mnist-classifier\\.safetensors', '--model .*fashion-mnist\\.safetensors'),
    'fashion-mnist.safetensors',
  ),
  refused(
    'other-data',
    ['--model', DEFAULT_MODEL_PATH, '--data', 'mnist'],
    classes('fashion-mnist-classifier\\.safetensors', 'the data mnist'),
    'the data mnist',
  ),
  refused(
    'real',
    ['--real', 'subset', '--real', 'subset', '--classifier', MNIST_CLASSIFIER],
    classes('mnist-classifier\\.safetensors', '--real subset'),
    '--real subset',
  ),
  refused(
    'small',
    ['--model', DEFAULT_MODEL_PATH, '--classifier', SMALL],
    /--classifier .*small-classifier\.safetensors takes 1x8x8 images, --model .* has 1x28x28: train one on its data/,
    'small-classifier.safetensors',
  ),
  // Training one on fewer images than a batch gave no step and looped for ever.
  {
    category: 'evaluators',
    args: [
      'classifier',
      'train',
      '--data',
      `folder:${SMALL_DATA}`,
      '--size',
      '8',
      '--out',
      join(D, 'none.safetensors'),
    ],
    code: 1,
    message: /small: 4 images, fewer than one batch of 128 \(use a smaller batch\)/,
    names: SMALL_DATA,
    absent: [join(D, 'none.safetensors')],
  },
];

cliCases([setup, ...cases]);
countsMatchDocs(cases.map((c) => c.category));
