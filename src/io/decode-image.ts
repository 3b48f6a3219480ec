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

/** The sizes of a PNG's sub-images: the picture itself, or Adam7's seven passes when interlaced. */
function pngPasses(width: number, height: number, interlaced: boolean): [number, number][] {
  if (!interlaced) return [[width, height]];
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  return passes.map(([x, y, dx, dy]) => [Math.ceil((width - x!) / dx!), Math.ceil((height - y!) / dy!)]);
}

/**
 * Checks that a PNG's compressed data inflates to exactly the bytes its size needs, and that every row starts with
 * one of the five filter types: pngjs pads missing rows with black and drops extra ones without a word (a
 * truncated picture would be read as a wrong one), and libvips says only "libpng read error".
 */
export function checkPngData(h: ImageHeader, source: string): void {
  const bad = (why: string) => new Error(`${source}: cannot decode this PNG (${why})`);
  const { bitsPerPixel, interlaced, idat } = h.png!;
  // Each row: a filter byte, then its pixels.
  const rows = pngPasses(h.width, h.height, interlaced)
    .filter(([w, ht]) => w > 0 && ht > 0)
    .map(([w, ht]) => ({ count: ht, bytes: Math.ceil((w * bitsPerPixel) / 8) + 1 }));
  const need = rows.reduce((sum, r) => sum + r.count * r.bytes, 0);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: need + 1 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw bad('its image data is longer than its size says (damaged)');
    throw bad(
      code === 'Z_BUF_ERROR'
        ? 'its image data ends early (truncated or damaged)'
        : 'its compressed image data is corrupt',
    );
  }
  if (raw.length !== need)
    throw bad(
      raw.length < need
        ? 'its image data ends early (truncated or damaged)'
        : 'its image data is longer than its size says (damaged)',
    );
  let offset = 0;
  for (const r of rows)
    for (let i = 0; i < r.count; i++, offset += r.bytes)
      if (raw[offset]! > 4) throw bad('its image data is corrupt (a row has an unknown filter)');
}

/** Decodes a PNG or JPEG; a corrupt, unknown or oversized file throws a one-line error starting with `source`. */
export function decodeImage(bytes: Uint8Array, source = 'image', o: DecodeImageOptions = {}): RgbaImage {
  const header = readImageHeader(bytes, source, o.maxPixels);
  const bad = (why: string) => new Error(`${source}: cannot decode this ${header.format} (${why})`);
  if (header.png) checkPngData(header, source);
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
