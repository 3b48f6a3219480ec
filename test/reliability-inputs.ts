// The reliability corpus's input files (docs/RELIABILITY.md), shared by its picture and model-file tests: a temporary
// folder for this test process, a tiny model, the good pictures the bad ones are made from, and the shape of a case
// that must fail naming its file and leave no output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../src/index.js';
import { tinyModelFile } from './editing-helpers.js';
import { tempDir } from './helpers.js';
import { jpegBytes, pngBytes, pngChunks, segmentAt } from './reliability-craft.js';
import type { Category, CliCase } from './reliability-harness.js';

export const D = tempDir('difflab-reliability-files-');
export const M = await tinyModelFile(4);
export const outPath = (name: string) => join(D, 'out', `${name}.png`);
export const write = (dir: string, name: string, bytes: Uint8Array) => {
  mkdirSync(join(D, dir), { recursive: true });
  writeFileSync(join(D, dir, name), bytes);
  return join(D, dir, name);
};
/** A command that must exit with code (1 unless told), one line naming file, and no out left behind. */
export const failed = (
  category: Category,
  args: string[],
  file: string,
  message: RegExp,
  out: string,
  code: 1 | 2 = 1,
): CliCase => ({ category, args, code, message, names: file, absent: [out] });

/** A good PNG's chunks, its bytes, a good JPEG and the offset of its start-of-frame segment. */
export const good = pngChunks(),
  png = pngBytes(good),
  jpg = jpegBytes(),
  sof = segmentAt(jpg, 0xc0);
export const GOOD = write(
  'inputs',
  'good.png',
  encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).fill(90) }),
);
export const COLOUR = write(
  'inputs',
  'colour.png',
  encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).map((_, i) => (i % 4 === 0 ? 255 : 40)) }),
);
export const SMALL = write(
  'inputs',
  'small.png',
  encodePng({ width: 12, height: 10, data: new Uint8Array(12 * 10 * 4).fill(255) }),
);
