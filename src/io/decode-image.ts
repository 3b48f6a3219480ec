// Pictures in: PNG (pngjs) or JPEG (jpeg-js) bytes become an RGBA raster, the format sniffed from the bytes. The
// header is read and checked first (image-header.ts: structure, size, pixel limit), so the decoders only ever see
// files of a size we accept, and their own messages ("There are some read requests waitng on finished stream")
// are translated into what they mean.
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { readImageHeader, type ImageHeader } from './image-header.js';
import { decodePng, type RgbaImage } from './png.js';

export interface DecodeImageOptions {
  /** The most pixels accepted (checked in the header, before decoding). Default MAX_IMAGE_PIXELS. */
  maxPixels?: number;
}

// pngjs and zlib messages, and what they mean for the file.
const decoderMessages: [RegExp, string][] = [
  [/read requests waitng|unexpected end|ran out of data/i, 'its image data ends early (truncated or damaged)'],
  [/extra data found|unrecognised content at end/i, 'its image data is longer than its size says (damaged)'],
  [
    /header check|invalid (stored|block|code|distance|literal)|too many length|inflate/i,
    'its compressed image data is corrupt',
  ],
  [/filter type/i, 'its image data is corrupt (a row has an unknown filter)'],
];

/** Bytes of a PNG's filtered scanlines (a filter byte per row), over Adam7's seven passes when interlaced. */
function pngRawBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (Math.ceil((w * bitsPerPixel) / 8) + 1) : 0);
  if (!interlaced) return rows(width, height);
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  return passes.reduce(
    (sum, [x, y, dx, dy]) => sum + rows(Math.ceil((width - x!) / dx!), Math.ceil((height - y!) / dy!)),
    0,
  );
}

/**
 * Checks that a PNG's compressed data inflates to exactly the bytes its size needs: pngjs pads missing rows with
 * black and drops extra ones without a word (a truncated picture would be read as a wrong one).
 */
function checkPngData(h: ImageHeader, bad: (why: string) => Error): void {
  const { bitsPerPixel, interlaced, idat } = h.png!;
  const need = pngRawBytes(h.width, h.height, bitsPerPixel, interlaced);
  let got: number;
  try {
    got = inflateSync(Buffer.concat(idat), { maxOutputLength: need + 1 }).length;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw bad('its image data is longer than its size says (damaged)');
    throw bad(
      code === 'Z_BUF_ERROR'
        ? 'its image data ends early (truncated or damaged)'
        : 'its compressed image data is corrupt',
    );
  }
  if (got !== need)
    throw bad(
      got < need
        ? 'its image data ends early (truncated or damaged)'
        : 'its image data is longer than its size says (damaged)',
    );
}

/** Decodes a PNG or JPEG; a corrupt, unknown or oversized file throws a one-line error starting with `source`. */
export function decodeImage(bytes: Uint8Array, source = 'image', o: DecodeImageOptions = {}): RgbaImage {
  const header = readImageHeader(bytes, source, o.maxPixels);
  const bad = (why: string) => new Error(`${source}: cannot decode this ${header.format} (${why})`);
  if (header.png) checkPngData(header, bad);
  try {
    if (header.format === 'PNG') return decodePng(bytes);
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxMemoryUsageInMB: 1024,
      maxResolutionInMP: 1024,
    });
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    const message = String((e as Error).message ?? e).split('\n')[0]!;
    throw bad(decoderMessages.find(([pattern]) => pattern.test(message))?.[1] ?? message);
  }
}
