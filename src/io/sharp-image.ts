// Pictures through libvips (the npm package sharp, which installs prebuilt binaries) when it loads: JPEG with its
// EXIF orientation applied, PNG up to 16 bits, WebP, AVIF, TIFF, in native code. Where sharp cannot load, the
// pure-JS PNG/JPEG decoder (decode-image.ts) takes over after a one-line note. Asynchronous (libvips runs on its
// own threads); the synchronous decodeImage stays the path for single pictures.
import { checkPngData, decodeImage } from './decode-image.js';
import { MAX_IMAGE_PIXELS, isJpeg, isPng, readImageHeader } from './image-header.js';
import type { RgbaImage } from './png.js';

type SharpFactory = (typeof import('sharp'))['default'];
let sharpFactory: SharpFactory | null | undefined;

/** sharp, or null (with a note on stderr the first time) when it cannot be loaded here. */
async function loadSharp(): Promise<SharpFactory | null> {
  if (sharpFactory !== undefined) return sharpFactory;
  try {
    sharpFactory = (await import('sharp')).default;
  } catch (e) {
    sharpFactory = null;
    console.error(
      `note: sharp (libvips) could not be loaded (${(e as Error).message.split('\n')[0]}); decoding PNG and JPEG in JavaScript, slower, without EXIF orientation, WebP or AVIF`,
    );
  }
  return sharpFactory ?? null;
}

/** Which decoder decodeImageAsync uses here: 'libvips 8.x' or 'javascript'. */
export async function imageDecoderName(): Promise<string> {
  const sharp = await loadSharp();
  return sharp ? `libvips ${sharp.versions.vips}` : 'javascript';
}

/**
 * Decodes a picture file's bytes to 8-bit RGBA, upright (EXIF orientation applied). More than maxPixels (checked
 * from the header, before decoding) or a damaged file throws one line starting with `source`.
 */
export async function decodeImageAsync(
  bytes: Uint8Array,
  source = 'image',
  o: { maxPixels?: number } = {},
): Promise<RgbaImage> {
  const sharp = await loadSharp();
  if (!sharp) return decodeImage(bytes, source, o);
  const maxPixels = o.maxPixels ?? MAX_IMAGE_PIXELS;
  // PNG and JPEG get the same checks as the JavaScript path (structure, CRCs, sizes, the pixel limit, a PNG's data
  // length and row filters), first. libvips then refuses on a warning too: a JPEG whose data ends before its size
  // would otherwise be filled in grey without a word.
  if (bytes.length === 0) throw new Error(`${source}: an empty file, not a picture`);
  if (isPng(bytes) || isJpeg(bytes)) {
    const header = readImageHeader(bytes, source, maxPixels);
    if (header.png) checkPngData(header, source);
  }
  try {
    const image = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning', sequentialRead: true });
    const { width = 0, height = 0 } = await image.metadata();
    if (width < 1 || height < 1) throw new Error(`its size is ${width}x${height}`);
    const { data, info } = await image
      .rotate()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    const message = String((e as Error).message ?? e)
      .split('\n')[0]!
      .replace(/^Input image exceeds pixel limit$/, `it has more than ${maxPixels} pixels`)
      .replace(/^Input buffer contains unsupported image format$/, 'not a picture format libvips reads');
    throw new Error(`${source}: cannot decode this picture (${message})`);
  }
}
