// The reliability corpus, model files (docs/RELIABILITY.md): the bad headers of reliability-model-headers.ts, then
// the metadata and the run config field by field, non-finite weights, missing, extra and reshaped tensors, met
// through `sample`, `forward --model` and `train --init`: exit 1 with one line naming the file, no output written.
import { join } from 'node:path';
import { mutated, offsetsOf } from './reliability-craft.js';
import { cliCases, countsMatchDocs, type CliCase } from './reliability-harness.js';
import { D, GOOD, failed, outPath, png, write } from './reliability-inputs.js';
import { first, headerCases, last, meta, model, second, setFloat, withConfig } from './reliability-model-headers.js';

/** A folder where a model file should be. */
const FOLDER = join(D, 'inputs');
const modelFiles: [string, Uint8Array, RegExp][] = [
  ...headerCases,
  [
    'metadata-array',
    mutated(model, (m) => {
      (m.header as Record<string, unknown>).__metadata__ = [];
    }),
    /__metadata__ is not an object/,
  ],
  [
    'metadata-number',
    mutated(model, (m) => {
      meta(m).step = 4;
    }),
    /__metadata__\.step is not a string/,
  ],
  [
    'format-missing',
    mutated(model, (m) => {
      delete meta(m).format;
    }),
    /not a difflab model or checkpoint \(format 'none'\)/,
  ],
  [
    'format-other',
    mutated(model, (m) => {
      meta(m).format = 'gpt-2';
    }),
    /format 'gpt-2'/,
  ],
  [
    'config-missing',
    mutated(model, (m) => {
      delete meta(m).config;
    }),
    /no run config in the file's metadata/,
  ],
  [
    'config-not-json',
    mutated(model, (m) => {
      meta(m).config = '{oops';
    }),
    /run config in the file's metadata is not JSON/,
  ],
  [
    'config-array',
    mutated(model, (m) => {
      meta(m).config = '[]';
    }),
    /run config .*: it is not a JSON object/,
  ],
  [
    'config-image-size-text',
    withConfig((c) => {
      c.imageSize = '28';
    }),
    /'imageSize' must be an integer in \[1, 4096\], got "28"/,
  ],
  [
    'config-image-size-0',
    withConfig((c) => {
      c.imageSize = 0;
    }),
    /'imageSize' must be/,
  ],
  [
    'config-image-size-huge',
    withConfig((c) => {
      c.imageSize = 100000;
    }),
    /'imageSize' must be/,
  ],
  [
    'config-no-network',
    withConfig((c) => {
      delete (c as Record<string, unknown>).network;
    }),
    /'network' must be an object, got nothing/,
  ],
  [
    'config-network-kind',
    withConfig((c) => {
      c.network.kind = 'transformer';
    }),
    /'network\.kind' must be unet\|classic\|score/,
  ],
  [
    'config-channels-2',
    withConfig((c) => {
      c.network.imageChannels = 2;
    }),
    /'network\.imageChannels' must be 1 or 3/,
  ],
  [
    'config-classes-negative',
    withConfig((c) => {
      c.network.numClasses = -1;
    }),
    /'network\.numClasses' must be/,
  ],
  [
    'config-class-names-short',
    withConfig((c) => {
      c.classNames = c.classNames.slice(1);
    }),
    /'classNames' must be a list of network\.numClasses names/,
  ],
  [
    'config-class-names-numbers',
    withConfig((c) => {
      c.classNames = c.classNames.map((_, i) => i);
    }),
    /'classNames' must be/,
  ],
  [
    'config-schedule',
    withConfig((c) => {
      c.schedule = 'zigzag';
    }),
    /'schedule' must be linear/,
  ],
  [
    'config-timesteps',
    withConfig((c) => {
      c.timesteps = 3;
    }),
    /'timesteps' must be an integer in \[10, 10000\], got 3/,
  ],
  [
    'config-prediction',
    withConfig((c) => {
      c.prediction = 'noise';
    }),
    /'prediction' must be eps\|x0\|v\|score/,
  ],
  [
    'config-task',
    withConfig((c) => {
      c.task = 'classify';
    }),
    /'task' must be diffusion\|denoise, got "classify"/,
  ],
  [
    'config-steps-0',
    withConfig((c) => {
      c.steps = 0;
    }),
    /'steps' must be an integer >= 1, got 0/,
  ],
  [
    'config-batch-text',
    withConfig((c) => {
      c.batchSize = 'x';
    }),
    /'batchSize' must be/,
  ],
  [
    'config-seed-negative',
    withConfig((c) => {
      c.seed = -1;
    }),
    /'seed' must be an integer in \[0, 9007199254740991\], got -1/,
  ],
  [
    'config-precision',
    withConfig((c) => {
      c.precision = 'fp8';
    }),
    /'precision' must be fp32\|bf16/,
  ],
  [
    'config-init',
    withConfig((c) => {
      c.init = { model: 5 };
    }),
    /'init' must be \{model, step\}/,
  ],
  [
    'config-other-network',
    withConfig((c) => {
      c.network.baseChannels = 16;
    }),
    /weights do not fit its network/,
  ],
  [
    'config-channel-mults',
    withConfig((c) => {
      c.network.channelMults = 5;
    }),
    /cannot build its network from the config/,
  ],
  [
    'step-text',
    mutated(model, (m) => {
      meta(m).step = 'abc';
    }),
    /metadata 'step' must be a non-negative integer, got "abc"/,
  ],
  [
    'step-negative',
    mutated(model, (m) => {
      meta(m).step = '-1';
    }),
    /metadata 'step' must be/,
  ],
  [
    'step-missing',
    mutated(model, (m) => {
      delete meta(m).step;
    }),
    /metadata 'step' must be a non-negative integer, got nothing/,
  ],
  ['nan-weight', setFloat(NaN, first), /tensor classEmbed\.weight holds 1 non-finite values \(NaN or Inf\)/],
  ['inf-weight', setFloat(Infinity, second), /holds 1 non-finite values/],
  ['minus-inf-weight', setFloat(-Infinity, last), /holds 1 non-finite values/],
  ['nan-data-mean', setFloat(NaN, 'data.mean'), /tensor data\.mean: the data mean holds non-finite values/],
  ['nan-data-spread', setFloat(NaN, 'data.spread'), /tensor data\.spread: the data spread holds non-finite values/],
  [
    'data-mean-flat',
    mutated(model, (m) => {
      const e = m.header['data.mean'] as { shape: number[] };
      e.shape = [e.shape.reduce((a, b) => a * b, 1)];
    }),
    /tensor data\.mean: the data mean has shape \[\d+\], the model's images \[\d+, \d+, \d+\]/,
  ],
  [
    'missing-tensor',
    mutated(model, (m) => {
      m.data = m.data.subarray(0, offsetsOf(m, last)[0]);
      delete m.header[last];
    }),
    /weights do not fit its network \(missing \[upsample\.1\.conv\.weight\]/,
  ],
  [
    'extra-tensor',
    mutated(model, (m) => {
      m.header['extra.weight'] = { dtype: 'F32', shape: [1], data_offsets: [m.data.length, m.data.length + 4] };
      m.data = Buffer.concat([m.data, Buffer.alloc(4)]);
    }),
    /unexpected \[extra\.weight\]/,
  ],
  ['a-png', png, /header says \d+ bytes but the file has/],
];
const modelPaths = modelFiles.map(
  ([name, bytes, message]) => [write('models', `${name}.safetensors`, bytes), message] as const,
);
const models: CliCase[] = [
  ...modelPaths.map(([p, message], i) =>
    failed(
      'model files',
      ['sample', '--model', p, '--n', '1', '--steps', '1', '--out', outPath(`model-${i}`)],
      p,
      message,
      outPath(`model-${i}`),
    ),
  ),
  ...modelPaths
    .filter((_, i) => i % 6 === 2)
    .map(([p, message], i) =>
      failed(
        'model files',
        ['forward', '--model', p, '--image', GOOD, '--out', outPath(`forward-model-${i}`)],
        p,
        message,
        outPath(`forward-model-${i}`),
      ),
    ),
  ...modelPaths
    .filter((_, i) => i % 8 === 5)
    .map(([p, message], i) =>
      failed(
        'model files',
        ['train', '--data', 'subset', '--classes', '--init', p, '--steps', '1', '--out', join(D, 'runs', `init-${i}`)],
        p,
        message,
        join(D, 'runs', `init-${i}`),
      ),
    ),
  failed(
    'model files',
    ['sample', '--model', FOLDER, '--out', outPath('model-folder')],
    FOLDER,
    /cannot read \(EISDIR\)/,
    outPath('model-folder'),
  ),
  failed(
    'model files',
    ['sample', '--model', join(D, 'none.safetensors'), '--out', outPath('model-none')],
    'none.safetensors',
    /no such model file/,
    outPath('model-none'),
  ),
];

cliCases(models);
countsMatchDocs(models.map((c) => c.category));
