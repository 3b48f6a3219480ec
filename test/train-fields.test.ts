// The train fields, every one through each of its doors: `difflab train`'s options (help and bound checks made from
// the fields), resolveTrainConfig (the library's), and checkStoredConfig (a config read back from a file). The help
// states each default as the options parse to it; a value past each bound is refused naming the option or field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PIXEL_TO_DATA_SIGMA,
  checkStoredConfig,
  cliName,
  defaultText,
  resolveTrainConfig,
  runSchedule,
  trainFields,
  type TrainConfig,
} from '../src/index.js';
import { boundAt } from '../src/model/fields.js';
import { helpText } from '../src/cli/command.js';
import { trainCommand } from '../src/cli/commands/train.js';
import { readTrainOptions, trainOptionFields } from '../src/cli/commands/train-options.js';
import { helpDefaultsOf } from './helpers.js';

type AnyField = (typeof trainOptionFields)[keyof typeof trainOptionFields];
const facts = { data: 'x', imageChannels: 1, imageSize: 8, classNames: [], preset: 'tiny' };

/** The "(default: X)" of each option in train's help. */
const helpDefaults = helpDefaultsOf(helpText(trainCommand));

/** Numbers past each bound of a number field: below min, at an exclusive bound, above max, a fraction for integers. */
function pastBounds(f: AnyField & { type: 'int' | 'number' }): number[] {
  const [min, max] = [boundAt(f.min, undefined), boundAt(f.max, undefined)];
  const past: number[] = [];
  if (min !== undefined) past.push(min - 1);
  if (f.above !== undefined) past.push(f.above);
  if (max !== undefined) past.push(max + 1);
  if (f.type === 'int') past.push((min ?? 0) + 0.5);
  return past;
}

/** What each bound lets in: the bounds themselves, and the default. */
function withinBounds(f: AnyField & { type: 'int' | 'number' }): number[] {
  const inside = [boundAt(f.min, undefined), boundAt(f.max, undefined), f.default];
  if (f.above !== undefined) inside.push(f.type === 'int' ? f.above + 1 : f.above + 0.5);
  return inside.filter((n): n is number => n !== undefined && Number.isSafeInteger(Math.round(n)));
}

/** Options besides the one under test that make it apply: denoise-only options need the task, folder ones a folder. */
function besides(key: string): { v: Record<string, string>; spec: string } {
  if (key === 'denoiseSigma' || key === 'sweepSigmas') return { v: { task: 'denoise' }, spec: 'subset' };
  if (key === 'size' || key === 'channels' || key === 'badFiles') return { v: {}, spec: 'folder:/nowhere' };
  return { v: {}, spec: 'subset' };
}

const option = (key: string) => cliName(key, trainOptionFields[key as keyof typeof trainOptionFields]);
function parse(key: string, value: string) {
  const { v, spec } = besides(key);
  return readTrainOptions({ ...v, [option(key)]: value }, spec);
}

test('train --help states each field default as the options parse to it when left out', () => {
  const o = readTrainOptions({}, 'subset');
  const config = resolveTrainConfig({ ...facts, ...o.config, preset: o.preset });
  const parsed: Record<string, unknown> = {
    ...config,
    denoiseSigma: config.denoiseSigma / PIXEL_TO_DATA_SIGMA, // the option is on [0, 1] pixels
    timesteps: runSchedule(config).numTimesteps,
    noiseLevels: config.noiseLevels === (config.prediction === 'edm' ? 'lognormal' : 'uniform') ? 'as said' : '?',
    objective: config.objective ?? 'the prediction',
    preset: o.preset,
    size: o.size,
    channels: o.folder.channels,
    badFiles: o.folder.onBadFile,
    nproc: o.nproc,
    sweepSigmas: o.sweepLevels.join(','),
  };
  let stated = 0;
  for (const [key, f] of Object.entries(trainOptionFields)) {
    const said = helpDefaults.get(option(key));
    const has = defaultText(f) !== undefined;
    assert.equal(said !== undefined, has, `--${option(key)}: help says ${said}`);
    if (said === undefined || key === 'previewGuidance') continue; // the preview's guidance depends on the model
    if (key === 'noiseLevels') assert.equal(parsed[key], 'as said', said);
    else
      assert.equal(said, String(parsed[key]), `--${option(key)}: help says ${said}, the options give ${parsed[key]}`);
    stated++;
  }
  assert.ok(stated >= 20, `${stated} defaults checked`);
});

test('train options: every value past a bound or outside the choices is refused naming the option', () => {
  for (const [key, f] of Object.entries(trainOptionFields)) {
    const name = `--${option(key)}`;
    const refused = (value: string, why: string) =>
      assert.throws(
        () => parse(key, value),
        (e: Error) => e.message.startsWith(name) || assert.fail(`${name} ${value}: ${e.message}`),
        `${name} ${value} (${why})`,
      );
    if (f.type === 'int' || f.type === 'number') {
      for (const n of pastBounds(f)) refused(String(n), 'past a bound');
      for (const n of withinBounds(f)) parse(key, String(n));
    } else if (f.type === 'choice') {
      refused('no-such-choice', 'not a choice');
      for (const c of f.choices) parse(key, c);
    } else if (f.type === 'numbers') {
      refused('x', 'not a list of numbers');
      const min = boundAt(f.min, undefined);
      if (min !== undefined) refused(String(min - 1), 'below min');
    }
  }
});

test('a config out of its fields is refused naming the field: made (resolveTrainConfig) or read back (checkStoredConfig)', () => {
  const good = JSON.parse(JSON.stringify(resolveTrainConfig(facts))) as Record<string, unknown>;
  assert.deepEqual(checkStoredConfig(good), good, 'a good config reads back as written');
  for (const [key, f] of Object.entries(trainFields)) {
    const bad: unknown[] =
      f.type === 'choice'
        ? ['no-such-choice', 3]
        : f.type === 'flag'
          ? ['yes', 1]
          : [...pastBounds(f), String(f.default ?? 1)];
    for (const value of bad) {
      const names = new RegExp(`'${key}' must be`);
      assert.throws(() => checkStoredConfig({ ...good, [key]: value }), names, `stored ${key} = ${value}`);
      assert.throws(
        () => resolveTrainConfig({ ...facts, [key]: value } as Partial<TrainConfig> & typeof facts),
        names,
        `made with ${key} = ${value}`,
      );
    }
    if (f.type === 'int' || f.type === 'number')
      for (const n of withinBounds(f)) checkStoredConfig({ ...good, [key]: n });
  }
});

test('an old config holding only what every file has held still loads, as written', () => {
  const { network, imageSize, classNames, schedule, prediction, steps, batchSize, seed } = resolveTrainConfig(facts);
  const old = { network, imageSize, classNames, schedule, prediction, steps, batchSize, seed };
  assert.deepEqual(checkStoredConfig(old), old);
  for (const key of ['schedule', 'steps', 'seed'] as const) {
    const { [key]: _, ...without } = old;
    assert.throws(() => checkStoredConfig(without), new RegExp(`'${key}' must be .*, got nothing`));
  }
});
