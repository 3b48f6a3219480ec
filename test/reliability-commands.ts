// The reliability corpus's command lines (docs/RELIABILITY.md), shared by its option and combination tests: a
// temporary folder for this test process with a tiny model, a picture and a mixture, each command's base arguments,
// and the shape of a command line refused with exit 2 naming the option.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLASSIFIER_PATH, encodePng } from '../src/index.js';
import { tinyModelFile } from './editing-helpers.js';
import { tempDir } from './helpers.js';
import type { Category, CliCase } from './reliability-harness.js';

export const D = tempDir('difflab-reliability-cli-');
export const M = await tinyModelFile(4);
export const IMG = join(D, 'in.png');
writeFileSync(IMG, encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).fill(200) }));
const MIX = join(D, 'mixture.json');
writeFileSync(
  MIX,
  JSON.stringify({
    weights: [0.5, 0.5],
    means: [
      [-2, 0],
      [2, 1],
    ],
    stds: [0.5, 0.7],
  }),
);
export const MISSING = join(D, 'missing.png');
export const FOLDER = join(D, 'folder.png');
mkdirSync(FOLDER);

/** A command line refused with exit 2; the files it names after --out and --gif must not appear. */
export function refused(category: Category, args: string[], message: RegExp, names: string): CliCase {
  const outputs = args
    .flatMap((a, i) => (a === '--out' || a === '--gif' ? [args[i + 1]!] : []))
    .filter((p) => !existsSync(p));
  return { category, args, code: 2, message, names, absent: outputs };
}
/** Cases sharing a command prefix: [extra args, message, the option named]. */
export const group = (category: Category, base: string[], rows: [string[], RegExp, string][]) =>
  rows.map(([args, message, names]) => refused(category, [...base, ...args], message, names));

export const sample = ['sample', '--model', M, '--out', join(D, 'sample.png')];
export const gmm = ['sample', '--model', `gmm:${MIX}`, '--out', join(D, 'gmm.npy')];
export const sdedit = ['edit', 'sdedit', '--model', M, '--image', IMG, '--out', join(D, 'sdedit.png')];
export const inpaint = ['edit', 'inpaint', '--model', M, '--image', IMG, '--out', join(D, 'inpaint.png')];
export const denoise = ['denoise', '--model', M, '--image', IMG, '--out', join(D, 'denoised.png')];
export const anagram = [
  'edit',
  'anagram',
  '--model',
  M,
  '--class-a',
  '0',
  '--class-b',
  '1',
  '--out',
  join(D, 'anagram.png'),
];
export const hybrid = [
  'edit',
  'hybrid',
  '--model',
  M,
  '--class-low',
  '0',
  '--class-high',
  '1',
  '--out',
  join(D, 'hybrid.png'),
];
export const forward = ['forward', '--image', IMG, '--out', join(D, 'forward.png')];
export const train = ['train', '--data', 'subset', '--preset', 'tiny', '--out', join(D, 'run')];
export const evalModel = [
  'eval',
  '--model',
  M,
  '--classifier',
  DEFAULT_CLASSIFIER_PATH,
  '--out',
  join(D, 'report.json'),
];
export const classifier = ['classifier', 'train', '--data', 'subset', '--out', join(D, 'classifier.safetensors')];
