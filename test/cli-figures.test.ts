// The figures the CLI writes follow the seeds: labelled (settings, t, classes, guidance), --scale for tile size,
// SDEdit sweeps on the seeds' strided grid, denoise's intermediate strip, grey stays grey, the score model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Rng,
  batchImages,
  compareDenoising,
  ddim,
  decodePng,
  tensor,
  encodePng,
  imageGrid,
  labelledGrid,
  loadEmbeddedSubset,
  loadModel,
  stridedTimes,
  tidy,
  vpLinear,
  type RgbaImage,
  type Tensor,
} from '../src/index.js';
import { ScoreUNet } from '../src/networks/score-unet.js';
import { difflab, relativeError, tempDir } from './helpers.js';
import { scoreAgainstScaledOutput } from './scaled-score-check.js';

const dir = tempDir();
const item = join(dir, 'item.png');
writeFileSync(item, encodePng(tidy(() => imageGrid(batchImages(loadEmbeddedSubset(), [7]), { padding: 0 }))));
const png = (path: string): RgbaImage => decodePng(readFileSync(path));
/** Dark pixels in rows [y0, y1): text drawn on the white margin. */
const inkIn = (img: RgbaImage, y0: number, y1: number) => {
  let n = 0;
  for (let i = y0 * img.width * 4; i < y1 * img.width * 4; i += 4) if (img.data[i]! < 128) n++;
  return n;
};

test('labelledGrid draws a title and column labels above the grid and row labels left of it', () => {
  const x = tidy(() => batchImages(loadEmbeddedSubset(), [0, 1, 2, 3]));
  const plain = imageGrid(x, { nrow: 2 });
  const labelled = labelledGrid(x, { nrow: 2, title: 'ddim, 50 steps', columns: ['a', 'b'], rows: ['w 1', 'w 3'] });
  x.dispose();
  assert.ok(labelled.height > plain.height && labelled.width > plain.width);
  assert.ok(inkIn(labelled, 0, labelled.height - plain.height) > 20, 'text above the grid');
  // A title wider than the grid is broken into lines over it rather than widening the figure into a margin.
  const long = 'inpainting, face with open mouth, no resampling; ddim, 50 steps, seed 0, guidance 3';
  const x2 = tidy(() => batchImages(loadEmbeddedSubset(), [0, 1, 2, 3, 4, 5]));
  const narrow = labelledGrid(x2, { nrow: 3, scale: 2, title: long });
  const grid = imageGrid(x2, { nrow: 3, scale: 2 });
  x2.dispose();
  assert.equal(narrow.width, grid.width, 'as wide as the grid');
  const lines = narrow.height - grid.height;
  assert.ok(lines > 3 * 10, `several lines of title (${lines} pixels above the grid)`);
});

test("sample --class all labels each column with its class; --scale 1 keeps the model's pixels", () => {
  const out = join(dir, 'all.png');
  const r = difflab(
    'sample',
    '--class',
    'all',
    '--n',
    '10',
    '--nrow',
    '10',
    '--sampler',
    'dpmpp-2m',
    '--steps',
    '4',
    '--scale',
    '1',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const img = png(out);
  assert.equal(img.width, 10 * (28 + 2) + 2, '28-pixel tiles');
  assert.ok(img.height > 28 + 4 + 10, 'a title and a row of class names above the tiles');
  const two = join(dir, 'all2.png');
  assert.equal(
    difflab(
      'sample',
      '--class',
      'all',
      '--n',
      '10',
      '--nrow',
      '10',
      '--sampler',
      'dpmpp-2m',
      '--steps',
      '4',
      '--out',
      two,
    ).code,
    0,
  );
  assert.equal(png(two).width, 10 * (56 + 2) + 2, 'the default --scale 2');
});

test("edit sdedit --sweep runs on the seeds' strided grid (t = 960, 900, ...) unless --steps is given", () => {
  assert.deepEqual(stridedTimes(vpLinear(), 30).slice(0, 3), [990, 960, 930]);
  assert.equal(stridedTimes(vpLinear(), 30).at(-1), 30);
  const out = join(dir, 'sweep.png');
  const r = difflab('edit', 'sdedit', '--image', item, '--sweep', '1,10,20', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /of 33 .*33 steps of stride 30/);
  const own = difflab('edit', 'sdedit', '--image', item, '--sweep', '1,3', '--steps', '10', '--out', out);
  assert.match(own.stdout, /ddim, 10 steps/);
  const both = difflab(
    'edit',
    'sdedit',
    '--image',
    item,
    '--sweep',
    '1',
    '--steps',
    '10',
    '--stride',
    '30',
    '--out',
    out,
  );
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give --stride or --steps, not both/);
});

test('denoise --strip writes x_t every N steps of the iterative run, labelled with t', () => {
  const [out, strip] = [join(dir, 'den.png'), join(dir, 'strip.png')];
  const r = difflab(
    'denoise',
    '--image',
    item,
    '--t',
    '690',
    '--strip',
    strip,
    '--strip-every',
    '5',
    '--scale',
    '1',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  // 23 strided steps from t = 690 (a stride of 30): the start, frames after steps 5, 10, 15, 20, then the result.
  assert.match(r.stdout, /6 frames to .*strip\.png/);
  assert.ok(png(strip).width >= 6 * (28 + 2) + 2, 'six 28-pixel tiles (the title may be wider)');
  const bad = difflab('denoise', '--image', item, '--t', '690', '--stride', '30', '--steps', '4', '--out', out);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /give --steps or --stride, not both/);
});

test("the seeds' strided grid from a time: t, then the multiples of the stride below it; the denoising run uses it exactly", () => {
  const s = vpLinear();
  const want = Array.from({ length: 23 }, (_, i) => 690 - 30 * i); // 690, 660, ..., 30
  assert.deepEqual(stridedTimes(s, 30, 690), want);
  assert.deepEqual(stridedTimes(s, 30, 500).slice(0, 3), [500, 480, 450]);
  assert.deepEqual(stridedTimes(s, 30, 10), [10]);
  assert.throws(() => stridedTimes(s, 30, 2000), /from must be an integer time in \[1, 1000\]/);
  // compareDenoising runs on exactly that grid (its sampler sees the levels of 690, ..., 30, then 0) and refuses
  // more even steps than there are integer times rather than merging them.
  const levels: number[] = [];
  const d = { schedule: s, denoise: (x: Tensor) => x.mul(0.5) }; // any denoiser: only its grid is under test
  const clean = tensor([0.3, -0.2, 0.1, 0.5], [1, 1, 2, 2]);
  tidy(() =>
    compareDenoising(d, clean, {
      t: 690,
      rng: new Rng(0),
      sampler: ddim,
      onStep: (i) => {
        levels.push(i.sigma);
      },
    }),
  );
  assert.deepEqual(
    levels.slice(0, -1).map((l) => Math.round(s.timeAt(l))),
    want.slice(1),
  );
  assert.equal(levels.at(-1), 0);
  assert.throws(
    () => tidy(() => compareDenoising(d, clean, { t: 5, numSteps: 6, rng: new Rng(0) })),
    /6 steps from t = 5 repeat times \(at most 5\)/,
  );
});

test('forward without --model keeps a grey picture grey', () => {
  const out = join(dir, 'fw.png');
  const r = difflab('forward', '--image', item, '--t', '0,500', '--size', '28', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const img = png(out);
  let colour = 0;
  for (let i = 0; i < img.data.length; i += 4)
    if (img.data[i] !== img.data[i + 1] || img.data[i] !== img.data[i + 2]) colour++;
  assert.equal(colour, 0, 'no coloured pixel in the strip of a grey picture');
});

test('train --preset scoreUNet learns the score on the VE SDE as its output divided by sigma_t; --lambda sets g(t)', () => {
  const run = join(dir, 'score');
  const r = difflab(
    'train',
    '--data',
    'subset',
    '--preset',
    'scoreUNet',
    '--lambda',
    '9',
    '--steps',
    '2',
    '--batch',
    '4',
    '--sample-every',
    '0',
    '--out',
    run,
  );
  assert.equal(r.code, 0, r.stderr);
  const m = loadModel(join(run, 'model.safetensors'));
  assert.equal(m.config.prediction, 'scaled-score');
  assert.equal(m.config.schedule, 've');
  assert.equal(m.config.lambda, 9);
  assert.ok(m.network instanceof ScoreUNet);
  // The division: the denoiser implies the score h / sigma_t (levels within lambda 9's sigma_max 4.27, away from 1).
  const { score, hOverSigma } = scoreAgainstScaledOutput(m.network, m.config, {
    levels: [0.1, 0.5, 3],
    rng: new Rng(5),
  });
  const err = relativeError(score, hOverSigma);
  assert.ok(err < 1e-4, `the score is not the network's output / sigma_t (relative error ${err})`);
  m.network.dispose();
  const bad = difflab('train', '--data', 'subset', '--lambda', '9', '--out', join(dir, 'x'), '--dry-run');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /lambda must be > 1 and needs the ve schedule/);
});
