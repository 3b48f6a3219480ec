// The reliability corpus, input files (docs/RELIABILITY.md): pictures (PNG chunk by chunk, JPEG segment by segment:
// truncations, bad CRCs, zero and bomb sizes, second headers, corrupt data), model files (the safetensors header
// field by field, the run config field by field, non-finite weights, weights of another network) and Gaussian
// mixtures, each met through the commands that read them: exit 1 (2 for a mixture, an option's file) with one line
// naming the file, and no output written.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../src/index.js';
import { tinyModelFile } from './editing-helpers.js';
import { tempDir } from './helpers.js';
import {
  greyRows,
  ihdr,
  jpegBytes,
  jpegSized,
  mutated,
  offsetsOf,
  parseSafetensors,
  pngBytes,
  pngChunks,
  safetensorsBytes,
  segmentAt,
  tensorNames,
  type Safetensors,
} from './reliability-craft.js';
import { cliCases, countsMatchDocs, type Category, type CliCase } from './reliability-harness.js';

const D = tempDir('difflab-reliability-files-');
const M = await tinyModelFile(4);
const outPath = (name: string) => join(D, 'out', `${name}.png`);
const write = (dir: string, name: string, bytes: Uint8Array) => {
  mkdirSync(join(D, dir), { recursive: true });
  writeFileSync(join(D, dir, name), bytes);
  return join(D, dir, name);
};
const failed = (
  category: Category,
  args: string[],
  file: string,
  message: RegExp,
  out: string,
  code: 1 | 2 = 1,
): CliCase => ({ category, args, code, message, names: file, absent: [out] });

// ----- pictures -------------------------------------------------------------------------------------------
const good = pngChunks(),
  png = pngBytes(good),
  jpg = jpegBytes(),
  sof = segmentAt(jpg, 0xc0);
const IDAT = (data: Uint8Array) => ({ type: 'IDAT', data });
const pictures: [string, Uint8Array, RegExp][] = [
  ['empty.png', new Uint8Array(0), /not a PNG or JPEG file/],
  ['text.png', Buffer.from('hello, world'), /not a PNG or JPEG file/],
  ['gif.png', Buffer.from('GIF89a\x01\x00\x01\x00'), /not a PNG or JPEG file/],
  ['signature.png', png.subarray(0, 8), /truncated/],
  ['no-iend.png', png.subarray(0, png.length - 12), /truncated: it ends at byte \d+ before its IEND chunk/],
  ['cut-idat.png', png.subarray(0, 50), /truncated: chunk IDAT at byte 33 runs past the end/],
  ['crc-ihdr.png', pngBytes(good, { badCrc: 0 }), /bad CRC in chunk IHDR/],
  ['crc-idat.png', pngBytes(good, { badCrc: 1 }), /bad CRC in chunk IDAT/],
  ['crc-iend.png', pngBytes(good, { badCrc: 2 }), /bad CRC in chunk IEND/],
  ['zero-width.png', pngBytes([ihdr(0, 28), ...good.slice(1)]), /says it is 0x28 pixels \(an empty picture\)/],
  ['zero-height.png', pngBytes([ihdr(28, 0), ...good.slice(1)]), /says it is 28x0 pixels/],
  [
    'bomb.png',
    pngBytes([ihdr(30000, 30000), ...good.slice(1)]),
    /30000x30000 pixels, over the limit of 67,108,864 pixels/,
  ],
  ['bomb-wide.png', pngBytes([ihdr(2 ** 31 - 1, 1), ...good.slice(1)]), /over the limit/],
  ['just-over.png', pngBytes([ihdr(8193, 8193), ...good.slice(1)]), /8193x8193 pixels, over the limit/],
  ['second-ihdr.png', pngBytes([good[0]!, ihdr(30000, 30000), ...good.slice(1)]), /more than one IHDR chunk/],
  ['idat-first.png', pngBytes([good[1]!, good[0]!, good[2]!]), /its first chunk is IDAT, not IHDR/],
  [
    'short-ihdr.png',
    pngBytes([{ type: 'IHDR', data: good[0]!.data.subarray(0, 12) }, ...good.slice(1)]),
    /IHDR has 12 bytes, not 13/,
  ],
  ['no-idat.png', pngBytes([good[0]!, good[2]!]), /no image data/],
  ['after-iend.png', Buffer.concat([png, Buffer.from('trailer')]), /7 bytes after its IEND chunk/],
  [
    'huge-chunk.png',
    Buffer.concat([png.subarray(0, 33), Buffer.from([0x7f, 0xff, 0xff, 0xff]), png.subarray(37)]),
    /runs past the end of the file/,
  ],
  [
    'bad-type.png',
    pngBytes([good[0]!, { type: 'ID4T', data: Buffer.from('x') }, ...good.slice(1)]),
    /has an invalid type/,
  ],
  [
    'unknown-critical.png',
    pngBytes([good[0]!, { type: 'ABCD', data: Buffer.from('x') }, ...good.slice(1)]),
    /unknown critical chunk ABCD/,
  ],
  [
    'not-zlib.png',
    pngBytes([good[0]!, IDAT(Buffer.from('not zlib at all')), good[2]!]),
    /compressed image data is corrupt/,
  ],
  ['short-rows.png', pngBytes([good[0]!, IDAT(greyRows(12, 10, { rows: 5 })), good[2]!]), /image data ends early/],
  ['long-rows.png', pngBytes([good[0]!, IDAT(greyRows(12, 10, { rows: 20 })), good[2]!]), /longer than its size says/],
  ['wide-claim.png', pngBytes([ihdr(100000, 1), ...good.slice(1)]), /image data ends early/],
  [
    'cut-zlib.png',
    pngBytes([good[0]!, IDAT(greyRows(12, 10).subarray(0, 20)), good[2]!]),
    /image data ends early|corrupt/,
  ],
  [
    'filter-9.png',
    pngBytes([good[0]!, IDAT(greyRows(12, 10, { filter: 9 })), good[2]!]),
    /a row has an unknown filter/,
  ],
  ['depth-3.png', pngBytes([ihdr(12, 10, { depth: 3 }), ...good.slice(1)]), /bit depth 3 is not allowed/],
  ['colour-5.png', pngBytes([ihdr(12, 10, { colour: 5 }), ...good.slice(1)]), /unknown colour type 5/],
  ['interlace-2.png', pngBytes([ihdr(12, 10, { interlace: 2 }), ...good.slice(1)]), /interlace method/],
  ['no-palette.png', pngBytes([ihdr(12, 10, { colour: 3 }), ...good.slice(1)]), /palette image without its palette/],
  ['bomb.jpg', jpegSized(jpg, 30000, 30000), /JPEG says it is 30000x30000 pixels, over the limit/],
  ['zero-height.jpg', jpegSized(jpg, 16, 0), /JPEG says it is 16x0 pixels/],
  ['zero-width.jpg', jpegSized(jpg, 0, 16), /JPEG says it is 0x16 pixels/],
  ['cut-scan.jpg', jpg.subarray(0, jpg.length - 60), /cannot decode this JPEG/],
  ['cut-header.jpg', jpg.subarray(0, sof + 30), /truncated: segment/],
  [
    'no-sof.jpg',
    Buffer.concat([jpg.subarray(0, sof), jpg.subarray(sof + 2 + jpg.readUInt16BE(sof + 2))]),
    /no start-of-frame segment/,
  ],
  ['signature.jpg', jpg.subarray(0, 3), /no start-of-frame segment/],
  [
    'long-app.jpg',
    (() => {
      const x = Buffer.from(jpg);
      x.writeUInt16BE(0xffff, 4);
      return x;
    })(),
    /segment 0xe0 at byte 2 runs past the end/,
  ],
  [
    'bad-huffman.jpg',
    (() => {
      const x = Buffer.from(jpg);
      const p = segmentAt(x, 0xc4);
      x.fill(0xee, p + 5, p + 25);
      return x;
    })(),
    /cannot decode this JPEG/,
  ],
  ['claims-64.jpg', jpegSized(jpg, 64, 64), /cannot decode this JPEG/],
  [
    'two-sizes.jpg',
    (() => {
      const p2 = Buffer.from(jpg.subarray(sof, sof + 2 + jpg.readUInt16BE(sof + 2)));
      p2.writeUInt16BE(99, 5);
      return Buffer.concat([jpg.subarray(0, sof), p2, jpg.subarray(sof)]);
    })(),
    /frames disagree on its size/,
  ],
];
const picture = (name: string) => pictures.find(([n]) => n === name)![1];
const picturePaths = pictures.map(([name, bytes, message]) => [write('pictures', name, bytes), message] as const);
const FOLDER = join(D, 'pictures');
const GOOD = write(
  'inputs',
  'good.png',
  encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).fill(90) }),
);
const COLOUR = write(
  'inputs',
  'colour.png',
  encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).map((_, i) => (i % 4 === 0 ? 255 : 40)) }),
);
const SMALL = write(
  'inputs',
  'small.png',
  encodePng({ width: 12, height: 10, data: new Uint8Array(12 * 10 * 4).fill(255) }),
);

/** A folder of good pictures and one bad one, as training data. */
function dataFolder(name: string, bad: Uint8Array, badName: string): string {
  for (let i = 0; i < 3; i++) write(join('folders', name), `ok-${i}.png`, readFileSync(GOOD));
  return write(join('folders', name), badName, bad);
}

const images: CliCase[] = [
  ...picturePaths.map(([p, message], i) =>
    failed(
      'images',
      ['forward', '--image', p, '--size', '8', '--out', outPath(`forward-${i}`)],
      p,
      message,
      outPath(`forward-${i}`),
    ),
  ),
  ...picturePaths
    .filter((_, i) => i % 3 === 0)
    .map(([p, message], i) =>
      failed(
        'images',
        ['edit', 'sdedit', '--model', M, '--image', p, '--steps', '2', '--out', outPath(`sdedit-${i}`)],
        p,
        message,
        outPath(`sdedit-${i}`),
      ),
    ),
  ...picturePaths
    .filter((_, i) => i % 5 === 1)
    .map(([p, message], i) =>
      failed(
        'images',
        ['edit', 'inpaint', '--model', M, '--image', GOOD, '--mask', p, '--steps', '2', '--out', outPath(`mask-${i}`)],
        p,
        message,
        outPath(`mask-${i}`),
      ),
    ),
  failed(
    'images',
    ['forward', '--image', FOLDER, '--out', outPath('folder')],
    FOLDER,
    /cannot read \(EISDIR\)/,
    outPath('folder'),
  ),
  failed(
    'images',
    ['edit', 'inpaint', '--model', M, '--image', GOOD, '--mask', SMALL, '--steps', '2', '--out', outPath('small-mask')],
    SMALL,
    /mask is 12x10, the image is 28x28/,
    outPath('small-mask'),
  ),
  failed(
    'images',
    [
      'edit',
      'inpaint',
      '--model',
      M,
      '--image',
      GOOD,
      '--mask',
      COLOUR,
      '--steps',
      '2',
      '--out',
      outPath('colour-mask'),
    ],
    COLOUR,
    /mask must be black and white/,
    outPath('colour-mask'),
  ),
  // Training folders decode through libvips where sharp loads (io/sharp-image.ts), in JavaScript elsewhere: either's words.
  ...(
    [
      ['bomb', 'bomb.png', /over the limit|more than 67108864 pixels/],
      ['crc', 'crc.png', /bad CRC|cannot decode this picture/],
      ['cut', 'cut.jpg', /cannot decode this (JPEG|picture)/],
      ['empty', 'empty.png', /not a PNG or JPEG|cannot decode this picture/],
    ] as const
  ).map(([name, file, message], i) => {
    const bad = dataFolder(name, picture(['bomb.png', 'crc-ihdr.png', 'cut-scan.jpg', 'empty.png'][i]!), file);
    return failed(
      'images',
      [
        'train',
        '--data',
        `folder:${join(D, 'folders', name)}`,
        '--preset',
        'tiny',
        '--steps',
        '1',
        '--out',
        join(D, 'runs', name),
      ],
      bad,
      message,
      join(D, 'runs', name),
    );
  }),
  {
    category: 'images',
    args: [
      'train',
      '--data',
      `folder:${join(D, 'folders', 'bomb')}`,
      '--bad-files',
      'skip',
      '--preset',
      'tiny',
      '--steps',
      '1',
      '--batch',
      '2',
      '--sample-every',
      '0',
      '--out',
      join(D, 'runs', 'skip'),
    ],
    code: 0,
    message:
      /warning: skipped 1 unreadable image\(s\), first: .*bomb\.png \(.*(over the limit|more than 67108864 pixels)/,
    names: 'bomb.png',
  },
];

// ----- model files ----------------------------------------------------------------------------------------
const model = parseSafetensors(readFileSync(M));
const names = tensorNames(model);
const [first, second, last] = [names[0]!, names[1]!, names.at(-1)!];
type Config = Record<string, unknown> & { network: Record<string, unknown>; classNames: unknown[] };
const meta = (s: Safetensors) => s.header.__metadata__!;
const config = JSON.parse(meta(model).config as string) as Config;
/** The model with its run config edited. */
const withConfig = (edit: (c: Config) => void) =>
  mutated(model, (m) => {
    const c = structuredClone(config);
    edit(c);
    meta(m).config = JSON.stringify(c);
  });
const setFloat = (value: number, tensor: string) =>
  mutated(model, (m) => m.data.writeFloatLE(value, offsetsOf(m, tensor)[0] + 4));
const entry = (m: Safetensors, name: string) => m.header[name]!;
const modelFiles: [string, Uint8Array, RegExp][] = [
  ['empty', new Uint8Array(0), /only 0 bytes/],
  ['seven-bytes', Buffer.alloc(7), /only 7 bytes/],
  ['header-past-end', safetensorsBytes(model.header, model.data, 10n ** 9n), /header says 1000000000 bytes/],
  ['header-2^63', safetensorsBytes(model.header, model.data, 2n ** 63n), /header says 9223372036854775808 bytes/],
  ['header-empty', safetensorsBytes('', model.data), /header is not JSON/],
  ['header-array', safetensorsBytes('[1, 2]', model.data), /header is not a JSON object/],
  ['header-null', safetensorsBytes('null', model.data), /header is not a JSON object/],
  [
    'header-not-utf8',
    Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe]), model.data]),
    /header is not JSON/,
  ],
  ['header-cut-json', safetensorsBytes(JSON.stringify(model.header).slice(0, -1), model.data), /header is not JSON/],
  [
    'dtype-relabelled',
    mutated(model, (m) => {
      entry(m, first).dtype = 'I32';
    }),
    /tensor classEmbed\.weight is int32, the network's is float32/,
  ],
  [
    'dtype-f16',
    mutated(model, (m) => {
      entry(m, first).dtype = 'F16';
    }),
    /hold 704 bytes, its F16 shape \[11, 16\] needs 352/,
  ],
  [
    'dtype-unknown',
    mutated(model, (m) => {
      entry(m, first).dtype = 'F8';
    }),
    /unsupported dtype "F8"/,
  ],
  [
    'dtype-number',
    mutated(model, (m) => {
      entry(m, first).dtype = 7;
    }),
    /unsupported dtype 7/,
  ],
  [
    'shape-string',
    mutated(model, (m) => {
      entry(m, first).shape = 'abc';
    }),
    /shape must be a list of non-negative integers/,
  ],
  [
    'shape-negative',
    mutated(model, (m) => {
      entry(m, first).shape = [-11, -16];
    }),
    /shape must be a list/,
  ],
  [
    'shape-fraction',
    mutated(model, (m) => {
      entry(m, first).shape = [5.5, 32];
    }),
    /shape must be a list/,
  ],
  [
    'shape-doubled',
    mutated(model, (m) => {
      entry(m, first).shape = [22, 16];
    }),
    /needs 1408/,
  ],
  [
    'shape-swapped',
    mutated(model, (m) => {
      entry(m, first).shape = [16, 11];
    }),
    /weights do not fit its network .*classEmbed\.weight/,
  ],
  [
    'offsets-negative',
    mutated(model, (m) => {
      entry(m, first).data_offsets = [-4, 700];
    }),
    /data_offsets must be two non-negative integers/,
  ],
  [
    'offsets-reversed',
    mutated(model, (m) => {
      entry(m, first).data_offsets = [704, 0];
    }),
    /data_offsets \[704, 0\]/,
  ],
  [
    'offsets-three',
    mutated(model, (m) => {
      entry(m, first).data_offsets = [0, 352, 704];
    }),
    /data_offsets must be two/,
  ],
  [
    'offsets-string',
    mutated(model, (m) => {
      entry(m, first).data_offsets = ['0', '704'];
    }),
    /data_offsets must be two/,
  ],
  [
    'offsets-overlap',
    mutated(model, (m) => {
      entry(m, second).data_offsets = [700, 732];
    }),
    /overlaps the one before it|belong to no tensor/,
  ],
  [
    'offsets-same',
    mutated(model, (m) => {
      Object.assign(entry(m, second), { data_offsets: offsetsOf(m, first), shape: [11, 16] });
    }),
    /overlaps|belong to no tensor/,
  ],
  [
    'offsets-gap',
    mutated(model, (m) => {
      for (const n of names.slice(1)) entry(m, n).data_offsets = offsetsOf(m, n).map((o) => o + 4);
      m.data = Buffer.concat([m.data.subarray(0, 704), Buffer.alloc(4), m.data.subarray(704)]);
    }),
    /4 bytes before tensor down\.0\.0\.res\.conv1\.bias belong to no tensor/,
  ],
  [
    'data-cut',
    mutated(model, (m) => {
      m.data = m.data.subarray(0, m.data.length - 100);
    }),
    /ends at byte \d+ but there are \d+ data bytes: truncated\?/,
  ],
  [
    'data-extra',
    mutated(model, (m) => {
      m.data = Buffer.concat([m.data, Buffer.alloc(8)]);
    }),
    /8 bytes after the last tensor/,
  ],
  [
    'entry-not-object',
    mutated(model, (m) => {
      (m.header as Record<string, unknown>)[first] = 'weights';
    }),
    /tensor classEmbed\.weight is not an object/,
  ],
  [
    'entry-extra-field',
    mutated(model, (m) => {
      entry(m, first).offset = 0;
    }),
    /unknown field 'offset'/,
  ],
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
    /'steps' must be a positive integer/,
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
    /'seed' must be a non-negative integer/,
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

// ----- Gaussian mixtures ----------------------------------------------------------------------------------
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

const all = [...images, ...models, ...mixtures];
cliCases(all);
countsMatchDocs(all.map((c) => c.category));
