// What a picture claims before any of it is decoded: the PNG chunk structure (signature, every chunk's length and
// CRC, one IHDR first, IDAT, IEND last) or the JPEG marker segments (every SOF's size), so that a decompression
// bomb (a 254-byte PNG claiming 30000x30000) or a damaged file is refused in one line naming it, before the
// decoder allocates anything. No tensors here: the server checks uploads with it too.
import { crc32 } from 'node:zlib';

export interface ImageHeader {
  format: 'PNG' | 'JPEG';
  width: number;
  height: number;
  /** A PNG's pixel format and its compressed image data (the IDAT chunks' contents, in order). */
  png?: { bitsPerPixel: number; interlaced: boolean; idat: Uint8Array[] };
}

/** The most pixels a picture may have (2^26: a 256 MiB RGBA raster, about a 67-megapixel photo). */
export const MAX_IMAGE_PIXELS = 2 ** 26;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const isPng = (b: Uint8Array): boolean => b.length >= 8 && PNG_SIGNATURE.every((s, i) => b[i] === s);
export const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

// PNG colour types (PNG spec 11.2.2): channels per pixel and the bit depths allowed.
const colourTypes: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
const CRITICAL_CHUNKS = ['IHDR', 'PLTE', 'IDAT', 'IEND'];

/** IHDR's fields after width and height, checked: a pixel format the decoder knows. */
function pngFormat(
  view: DataView,
  p: number,
  bad: (why: string) => Error,
): { bitsPerPixel: number; interlaced: boolean; colour: number } {
  const [depth, colour, compression, filter, interlace] = [0, 1, 2, 3, 4].map((i) => view.getUint8(p + 16 + i)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const type = colourTypes[colour];
  if (!type) throw bad(`unknown colour type ${colour}`);
  if (!type.depths.includes(depth)) throw bad(`bit depth ${depth} is not allowed with colour type ${colour}`);
  if (compression !== 0 || filter !== 0 || interlace > 1)
    throw bad(`unknown compression, filter or interlace method (${compression}, ${filter}, ${interlace})`);
  return { bitsPerPixel: type.channels * depth, interlaced: interlace === 1, colour };
}

/** A PNG's size from its IHDR, after checking every chunk's bounds and CRC; `bad` makes the one-line error. */
function pngHeader(b: Uint8Array, bad: (why: string) => Error): ImageHeader {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let size: { width: number; height: number } | null = null;
  let format: ReturnType<typeof pngFormat> | null = null;
  let palette = false;
  const idat: Uint8Array[] = [];
  for (let p = 8; ;) {
    if (p + 8 > b.length) throw bad(`truncated: it ends at byte ${b.length} before its IEND chunk`);
    const length = view.getUint32(p);
    const type = String.fromCharCode(...b.subarray(p + 4, p + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw bad(`chunk at byte ${p} has an invalid type`);
    if (length > 2 ** 31 - 1 || p + 12 + length > b.length)
      throw bad(`truncated: chunk ${type} at byte ${p} runs past the end of the file`);
    if (crc32(b.subarray(p + 4, p + 8 + length)) >>> 0 !== view.getUint32(p + 8 + length))
      throw bad(`bad CRC in chunk ${type} at byte ${p}`);
    if (type === 'IHDR') {
      if (p !== 8) throw bad(size ? 'it has more than one IHDR chunk' : 'IHDR is not its first chunk');
      if (length !== 13) throw bad(`IHDR has ${length} bytes, not 13`);
      size = { width: view.getUint32(p + 8), height: view.getUint32(p + 12) };
      format = pngFormat(view, p, bad);
    } else if (p === 8) throw bad(`its first chunk is ${type}, not IHDR`);
    if (/^[A-Z]/.test(type) && !CRITICAL_CHUNKS.includes(type)) throw bad(`unknown critical chunk ${type}`);
    if (type === 'PLTE') palette = true;
    if (type === 'IDAT') {
      if (format!.colour === 3 && !palette) throw bad('a palette image without its palette (PLTE) before its data');
      idat.push(b.subarray(p + 8, p + 8 + length));
    }
    p += 12 + length;
    if (type === 'IEND') {
      if (idat.length === 0) throw bad('it has no image data (IDAT chunk)');
      if (p !== b.length) throw bad(`${b.length - p} bytes after its IEND chunk`);
      return {
        format: 'PNG',
        ...size!,
        png: { bitsPerPixel: format!.bitsPerPixel, interlaced: format!.interlaced, idat },
      };
    }
  }
}

// JPEG start-of-frame markers (C0-CF but DHT C4, JPG C8 and DAC CC): each states the frame's height and width.
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** A JPEG's size from its start-of-frame segments (every one of them), walking the marker segments. */
function jpegHeader(b: Uint8Array, bad: (why: string) => Error): ImageHeader {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let size: { width: number; height: number } | null = null;
  for (let p = 2; p < b.length;) {
    if (b[p] !== 0xff) {
      p++;
      continue;
    } // entropy-coded data between segments
    const m = b[p + 1];
    if (m === undefined) break;
    if (m === 0xff || m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      p += m === 0xff ? 1 : 2;
      continue;
    } // fill, stuffing, RSTn, TEM
    if (m === 0xd9) break; // EOI
    if (p + 4 > b.length) throw bad(`truncated: segment 0x${m.toString(16)} at byte ${p} has no length`);
    const length = view.getUint16(p + 2);
    if (length < 2 || p + 2 + length > b.length)
      throw bad(`truncated: segment 0x${m.toString(16)} at byte ${p} runs past the end of the file`);
    if (isSof(m)) {
      if (length < 8) throw bad(`start-of-frame segment at byte ${p} is too short`);
      const frame = { height: view.getUint16(p + 5), width: view.getUint16(p + 7) };
      if (size && (frame.width !== size.width || frame.height !== size.height)) {
        throw bad(
          `its frames disagree on its size (${size.width}x${size.height}, then ${frame.width}x${frame.height})`,
        );
      }
      size = frame;
    }
    p += 2 + length;
  }
  if (!size) throw bad('it has no start-of-frame segment (no image size)');
  return { format: 'JPEG', ...size };
}

/**
 * A PNG's or JPEG's format and size read from its header alone, its structure checked, its size checked against
 * maxPixels (default MAX_IMAGE_PIXELS); every problem is one line starting with `source`.
 */
export function readImageHeader(bytes: Uint8Array, source = 'image', maxPixels = MAX_IMAGE_PIXELS): ImageHeader {
  const format = isPng(bytes) ? 'PNG' : isJpeg(bytes) ? 'JPEG' : null;
  if (format === null) throw new Error(`${source}: not a PNG or JPEG file`);
  const bad = (why: string) => new Error(`${source}: not a valid ${format} file (${why})`);
  const h = format === 'PNG' ? pngHeader(bytes, bad) : jpegHeader(bytes, bad);
  if (h.width === 0 || h.height === 0)
    throw new Error(`${source}: the ${format} says it is ${h.width}x${h.height} pixels (an empty picture)`);
  if (h.width * h.height > maxPixels) {
    throw new Error(
      `${source}: the ${format} says it is ${h.width}x${h.height} pixels, over the limit of ${maxPixels.toLocaleString('en-US')} pixels`,
    );
  }
  return h;
}
