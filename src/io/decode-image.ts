// Pictures in: PNG (pngjs) or JPEG (jpeg-js) bytes become an RGBA raster, the format sniffed from the bytes.
import jpeg from 'jpeg-js';
import { decodePng, type RgbaImage } from './png.js';

const isPng = (b: Uint8Array) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes a PNG or JPEG; a corrupt or unknown file throws a one-line error starting with `source`. */
export function decodeImage(bytes: Uint8Array, source = 'image'): RgbaImage {
  try {
    if (isPng(bytes)) return decodePng(bytes);
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new Error(`${source}: cannot decode image (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
  throw new Error(`${source}: not a PNG or JPEG file`);
}
