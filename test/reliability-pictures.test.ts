// The reliability corpus, pictures (docs/RELIABILITY.md): PNGs chunk by chunk and JPEGs segment by segment
// (truncations, bad CRCs, zero and bomb sizes, second headers, corrupt data), met through the commands that read
// them: exit 1 with one line naming the file, and no output written.
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { MAX_PICTURE_BYTES } from '../src/index.js';
import { join } from 'node:path';
import { greyRows, ihdr, jpegSized, pngBytes, segmentAt } from './reliability-craft.js';
import { cliCases, countsMatchDocs, type CliCase } from './reliability-harness.js';
import { COLOUR, D, GOOD, M, SMALL, failed, good, jpg, outPath, png, sof, write } from './reliability-inputs.js';

const IDAT = (data: Uint8Array) => ({ type: 'IDAT', data });
const pictures: [string, Uint8Array, RegExp][] = [
  ['empty.png', new Uint8Array(0), /not a PNG or JPEG file|an empty file, not a picture/],
  ['text.png', Buffer.from('hello, world'), /not a PNG or JPEG file|not a picture format libvips reads/],
  ['gif.png', Buffer.from('GIF89a\x01\x00\x01\x00'), /not a PNG or JPEG file|cannot decode this picture/],
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
  ['cut-scan.jpg', jpg.subarray(0, jpg.length - 60), /cannot decode this (JPEG|picture)/],
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
    /cannot decode this (JPEG|picture)/,
  ],
  ['claims-64.jpg', jpegSized(jpg, 64, 64), /cannot decode this (JPEG|picture)/],
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
    /not a picture file \(it is a folder\)/,
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
      ['empty', 'empty.png', /not a PNG or JPEG|cannot decode this picture|an empty file/],
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

// Picture files read with a bound: a device, a named pipe or a file over the limit is refused before it is read
// (reading /dev/zero whole ran until memory ran out; opening a FIFO waited for a writer).
const FIFO = join(D, 'inputs', 'fifo.png');
spawnSync('mkfifo', [FIFO]);
const HUGE = join(D, 'inputs', 'huge.png'); // sparse: no disk used
writeFileSync(HUGE, png);
truncateSync(HUGE, MAX_PICTURE_BYTES + 1);
const files: CliCase[] = [
  ...[
    ['forward', '--image', '/dev/zero', '--out', outPath('zero')],
    ['edit', 'sdedit', '--model', M, '--image', '/dev/zero', '--steps', '2', '--out', outPath('zero-sdedit')],
    ['edit', 'inpaint', '--model', M, '--image', GOOD, '--mask', '/dev/zero', '--out', outPath('zero-mask')],
  ].map((args) => failed('picture files', args, '/dev/zero', /not a picture file \(it is a device\)/, args.at(-1)!)),
  failed(
    'picture files',
    ['forward', '--image', FIFO, '--out', outPath('fifo')],
    FIFO,
    /a named pipe/,
    outPath('fifo'),
  ),
  failed(
    'picture files',
    ['edit', 'inpaint', '--model', M, '--image', GOOD, '--mask', FIFO, '--out', outPath('fifo-mask')],
    FIFO,
    /not a picture file \(it is a named pipe\)/,
    outPath('fifo-mask'),
  ),
  failed(
    'picture files',
    ['edit', 'sdedit', '--model', M, '--image', HUGE, '--steps', '2', '--out', outPath('huge')],
    HUGE,
    new RegExp(`${MAX_PICTURE_BYTES + 1} bytes, over the ${MAX_PICTURE_BYTES}-byte limit for a picture file`),
    outPath('huge'),
  ),
];

cliCases([...images, ...files]);
countsMatchDocs([...images, ...files].map((c) => c.category));
