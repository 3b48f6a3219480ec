// Help and behaviour cannot disagree: every default the help states is the one the command runs with, read from
// the library's tables (trainDefaults, jobDefaults, defaultSamplerSteps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  defaultSamplerSteps,
  jobDefaults,
  learningRate,
  mixtureJob,
  resolvePrecision,
  scheduleFromName,
  trainDefaults,
  type ScheduleName,
} from '../src/index.js';
import { readTrainOptions } from '../src/cli/commands/train-options.js';
import { difflab, helpDefaults, tempDir } from './helpers.js';

test('train: the defaults its help states are the config a run gets (trainDefaults, no CLI fallbacks)', () => {
  const help = helpDefaults('train');
  const r = difflab('train', '--data', 'subset', '--out', join(tempDir(), 'run'), '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(r.stdout) as Record<string, unknown>;
  const keyOf: Record<string, string> = {
    preset: 'preset',
    steps: 'steps',
    batch: 'batchSize',
    lr: 'lr',
    warmup: 'lrWarmupSteps',
    'lr-decay': 'lrDecay',
    'lr-final': 'lrMinFactor',
    'weight-decay': 'weightDecay',
    'grad-clip': 'gradClipNorm',
    'ema-half-life': 'emaHalfLifeImages',
    task: 'task',
    'denoise-sigma': 'denoiseSigma',
    prediction: 'prediction',
    schedule: 'schedule',
    seed: 'seed',
    'checkpoint-every': 'checkpointEvery',
    'keep-last': 'keepLast',
    'sample-every': 'sampleEvery',
  };
  // --denoise-sigma is on the seeds' [0, 1] pixel scale, the config on [-1, 1] data: twice as large.
  const shown = (key: string) => (key === 'denoiseSigma' ? String((config[key] as number) / 2) : String(config[key]));
  for (const [option, key] of Object.entries(keyOf)) {
    assert.equal(
      help.get(option),
      shown(key),
      `--${option}: help says ${help.get(option)}, the run gets ${String(config[key])}`,
    );
    assert.equal(config[key], (trainDefaults as Record<string, unknown>)[key], `${key} comes from trainDefaults`);
  }
  // The defaults that are no trainDefaults field, each against what the run reads.
  const plain = difflab('train', '--out', join(tempDir(), 'run'), '--dry-run');
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(help.get('data'), (JSON.parse(plain.stdout) as Record<string, unknown>).data, '--data');
  assert.equal(help.get('objective'), 'the prediction');
  assert.equal(config.objective, undefined, 'no objective stored: the trainer takes the prediction’s own');
  assert.match(help.get('noise-levels')!, new RegExp(`else ${String(config.noiseLevels)}$`), '--noise-levels');
  const T = scheduleFromName(config.schedule as ScheduleName).numTimesteps;
  assert.equal(help.get('timesteps'), String(T), '--timesteps: the schedule’s own T');
  assert.equal(config.timesteps, undefined);
  assert.equal(help.get('precision'), 'auto');
  assert.equal(config.precision, resolvePrecision('auto').precision, '--precision auto resolves as the engine does');
  const g = jobDefaults.generate.guidance,
    textG = jobDefaults.preview.textGuidance;
  assert.equal(help.get('preview-guidance'), `${g} (${textG} for text)`, "--preview-guidance: the previews' own");
  // Folder data's options, the single-step denoiser's sweep and the processes, as train reads them.
  const o = readTrainOptions({}, 'folder:pictures');
  const read: Record<string, unknown> = {
    size: o.size,
    channels: o.folder.channels,
    'bad-files': o.folder.onBadFile,
    'sweep-sigmas': o.sweepLevels.join(','),
    nproc: o.nproc,
  };
  for (const [option, value] of Object.entries(read)) assert.equal(help.get(option), String(value), `--${option}`);
  const checked = new Set([
    ...Object.keys(keyOf),
    ...Object.keys(read),
    ...['data', 'objective', 'noise-levels', 'timesteps', 'precision', 'preview-guidance'],
  ]);
  assert.deepEqual(
    [...help.keys()].filter((k) => !checked.has(k)),
    [],
    'every default train states is checked',
  );
});

test('train: refused combinations and values name the option', () => {
  const out = join(tempDir(), 'run');
  for (const [args, message] of [
    [['--steps', '10', '--epochs', '1'], /give --steps or --epochs, not both/],
    [['--epochs', '0'], /--epochs must be > 0/],
    [['--channels', '2'], /--channels must be one of 1\|3/],
    [['--lr', ''], /--lr must be a number, got ''/],
    [['--task', 'denoise', '--prediction', 'v'], /--prediction does not apply to --task denoise/],
    [['--denoise-sigma', '0.3'], /--denoise-sigma applies to --task denoise only/],
    [['--lr-final', '2'], /--lr-final must be <= 1/],
    [['extra'], /unexpected argument 'extra'/],
  ] as const) {
    const r = difflab('train', '--data', 'subset', '--out', out, '--dry-run', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});

test("exponential decay falls by --lr-final over the run at a constant ratio per step (the seeds' ExponentialLR)", () => {
  const o = { lr: 1e-3, lrWarmupSteps: 0, lrDecay: 'exponential' as const, totalSteps: 100, lrMinFactor: 0.1 };
  assert.ok(Math.abs(learningRate(100, o) - 1e-4) < 1e-12);
  const ratios = [10, 50, 90].map((k) => learningRate(k + 1, o) / learningRate(k, o));
  for (const r of ratios) assert.ok(Math.abs(r - 0.1 ** (1 / 100)) < 1e-12, `ratio ${r}`);
  assert.ok(Math.abs(learningRate(100, { ...o, lrDecay: 'cosine' }) - 1e-4) < 1e-12, 'cosine ends at the same floor');
});

test('sample and edit: help states the job defaults, and a sampler without --steps runs its own default', () => {
  const sample = helpDefaults('sample');
  assert.match(sample.get('sampler')!, new RegExp(`^${jobDefaults.generate.sampler} for image models`));
  assert.equal(sample.get('guidance'), String(jobDefaults.generate.guidance));
  assert.equal(sample.get('eta'), String(jobDefaults.generate.eta));
  assert.equal(sample.get('seed'), String(jobDefaults.seed));
  assert.equal(
    sample.get('n'),
    `${jobDefaults.generate.count} images, ${mixtureJob.fields.n.default} gmm samples`,
    "--n: the generate job's and the mixture job's",
  );
  const edit = helpDefaults('edit');
  assert.equal(edit.get('sampler'), jobDefaults.sdedit.sampler);
  assert.equal(edit.get('eta'), String(jobDefaults.sdedit.eta), 'the same for every edit');
  assert.equal(edit.get('guidance'), `1 (sdedit, inpaint), 3 (anagram, hybrid)`);
  for (const steps of [edit.get('steps')!, sample.get('steps')!]) assert.match(steps, /dpmpp-2m: 20/);
  const out = join(tempDir(), 's.png');
  const r = difflab('sample', '--sampler', 'dpmpp-2m', '--n', '1', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`dpmpp-2m, ${defaultSamplerSteps['dpmpp-2m']} steps`));
});

test('train --width scales what the preset scales: the embedding keeps its ratio to the first level (tiny 2x, default 4x)', () => {
  for (const [preset, width, embedDim] of [
    ['tiny', 16, 32],
    ['default', 48, 192],
  ] as const) {
    const r = difflab(
      'train',
      '--data',
      'subset',
      '--preset',
      preset,
      '--width',
      String(width),
      '--out',
      join(tempDir(), 'run'),
      '--dry-run',
    );
    assert.equal(r.code, 0, r.stderr);
    const network = (JSON.parse(r.stdout) as { network: { baseChannels: number; embedDim: number } }).network;
    assert.deepEqual([network.baseChannels, network.embedDim], [width, embedDim], preset);
  }
});
