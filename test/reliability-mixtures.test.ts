// The reliability corpus, Gaussian mixtures (docs/RELIABILITY.md): `gmm:` files with means of 1e308, scales of 0 or
// 1e9, weights that do not sum to 1, ragged dimensions, bad labels, unknown fields, broken JSON: `sample` exits 2 (an
// option's file) with one line naming the file, and no output written.
import { join } from 'node:path';
import { cliCases, countsMatchDocs, type CliCase } from './reliability-harness.js';
import { D, failed, write } from './reliability-inputs.js';

const mixture = {
  weights: [0.5, 0.5],
  means: [
    [0, 1],
    [2, 3],
  ],
  stds: [0.5, 1],
};
const mixtureFiles: [string, string, RegExp][] = [
  ...(
    [
      [
        'huge-mean',
        {
          means: [
            [1e308, 0],
            [0, 0],
          ],
        },
        /means\[0\]\[0\] must be a number in \[-1000000, 1000000\], got 1e\+308/,
      ],
      [
        'big-negative-mean',
        {
          means: [
            [0, -1e7],
            [0, 0],
          ],
        },
        /means\[0\]\[1\] must be a number in/,
      ],
      ['std-zero', { stds: [0, 1] }, /stds\[0\] must be a number in \[0\.000001, 1000000\]/],
      ['std-negative', { stds: [0.5, -1] }, /stds\[1\] must be a number in/],
      ['std-tiny', { stds: [1e-9, 1] }, /stds\[0\]/],
      ['std-huge', { stds: [1e9, 1] }, /stds\[0\]/],
      ['std-text', { stds: ['1', 1] }, /stds\[0\] must be a number in .*got "1"/],
      ['std-null', { stds: [null, 1] }, /stds\[0\]/],
      ['weights-0.9', { weights: [0.5, 0.4] }, /weights must sum to 1, got 0\.9/],
      ['weights-1.1', { weights: [0.6, 0.5] }, /weights must sum to 1/],
      ['weight-zero', { weights: [1, 0] }, /weights\[1\] must be a positive number, got 0/],
      ['weight-negative', { weights: [1.5, -0.5] }, /weights\[1\] must be a positive number/],
      ['weight-text', { weights: ['NaN', 1] }, /weights\[0\] must be a positive number, got "NaN"/],
      ['weights-empty', { weights: [] }, /weights must be a non-empty array/],
      ['weights-object', { weights: { a: 1 } }, /weights must be a non-empty array/],
      ['means-rows', { means: [[0, 1]] }, /means must have 2 rows/],
      ['means-ragged', { means: [[0, 1], [2]] }, /means\[1\] must have 2 numbers/],
      ['means-empty-row', { means: [[], []] }, /means\[0\] must be a non-empty array/],
      [
        'means-text',
        {
          means: [
            [0, 'x'],
            [2, 3],
          ],
        },
        /means\[0\]\[1\] must be a number/,
      ],
      [
        'means-null',
        {
          means: [
            [0, null],
            [2, 3],
          ],
        },
        /means\[0\]\[1\]/,
      ],
      ['means-object', { means: { a: [0] } }, /means must have 2 rows/],
      ['stds-count', { stds: [1] }, /stds must have 2 entries/],
      ['labels-count', { labels: [0] }, /labels must be 2 non-negative integers/],
      ['labels-negative', { labels: [0, -1] }, /labels must be/],
      ['labels-fraction', { labels: [0, 0.5] }, /labels must be/],
      ['unknown-field', { covariances: [[1]] }, /unknown field 'covariances'/],
    ] as const
  ).map(([name, change, message]): [string, string, RegExp] => [
    name,
    JSON.stringify({ ...mixture, ...change }),
    message,
  ]),
  ['array', '[1, 2]', /mixture must be an object/],
  ['null', 'null', /mixture must be an object/],
  ['broken-json', '{"weights": [1], ', /JSON/],
  ['empty', '', /JSON/],
  ['number', '42', /mixture must be an object/],
];
const mixtures: CliCase[] = mixtureFiles.map(([name, text, message], i) => {
  const p = write('mixtures', `${name}.json`, Buffer.from(text));
  const out = join(D, 'out', `gmm-${i}.npy`);
  return failed(
    'mixtures',
    ['sample', '--model', `gmm:${p}`, '--sampler', 'ddim', '--steps', '5', '--n', '10', '--out', out],
    p,
    message,
    out,
    2,
  );
});

cliCases(mixtures);
countsMatchDocs(mixtures.map((c) => c.category));
