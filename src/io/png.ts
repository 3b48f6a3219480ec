// Pictures out: image tensors in [-1, 1] become 8-bit PNGs (grids of a batch), written atomically.
import pngjs from 'pngjs';
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';

/** An 8-bit RGBA raster, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array; // width * height * 4
}

export interface GridOptions {
  /** Images per row. Default: ceil(sqrt(N)). */
  nrow?: number;
  /** Pixels between images. Default 2. */
  padding?: number;
  /** Background value 0..255 between images. Default 255 (white). */
  background?: number;
  /** Integer upscaling factor (nearest). Default 1. */
  scale?: number;
}

/**
 * Lays out a batch (N, C, H, W) of images in [-1, 1] (C = 1 grey or 3 RGB) as one RGBA raster.
 * Values outside [-1, 1] are clipped.
 */
export function imageGrid(batch: Tensor, o: GridOptions = {}): RgbaImage {
  if (batch.rank !== 4 || (batch.shape[1] !== 1 && batch.shape[1] !== 3)) {
    throw new Error(`imageGrid: expected (N, 1|3, H, W), got [${batch.shape.join(', ')}]`);
  }
  const [n, c, h, w] = batch.shape as [number, number, number, number];
  const bytes = noGrad(() => tidy(() => batch.clamp(-1, 1).add(1).mul(127.5).round().toFloat32Array()));
  const nrow = o.nrow ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / nrow);
  const pad = o.padding ?? 2;
  const s = o.scale ?? 1;
  const width = nrow * (w * s + pad) + pad;
  const height = rows * (h * s + pad) + pad;
  const data = new Uint8Array(width * height * 4).fill(o.background ?? 255);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % nrow) * (w * s + pad);
    const y0 = pad + Math.floor(i / nrow) * (h * s + pad);
    for (let y = 0; y < h * s; y++) {
      for (let x = 0; x < w * s; x++) {
        const src = (yy: number) => ((i * c + yy) * h + Math.floor(y / s)) * w + Math.floor(x / s);
        const dst = ((y0 + y) * width + x0 + x) * 4;
        data[dst] = bytes[src(0)]!;
        data[dst + 1] = bytes[src(c === 3 ? 1 : 0)]!;
        data[dst + 2] = bytes[src(c === 3 ? 2 : 0)]!;
        data[dst + 3] = 255;
      }
    }
  }
  return { width, height, data };
}

/** PNG colour types by channels: grey, RGB, RGBA. */
const COLOR_TYPES = { 1: 0, 3: 2, 4: 6 } as const;

/**
 * An RGBA raster as PNG bytes; `channels` 1 (grey: the mean of R, G, B) or 3 (RGB, over black) drop
 * what the picture lacks.
 */
export function encodePng(img: RgbaImage, o: { channels?: 1 | 3 | 4 } = {}): Buffer {
  const png = new pngjs.PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return pngjs.PNG.sync.write(png, { colorType: COLOR_TYPES[o.channels ?? 4] });
}

/** Writes an RGBA raster as a PNG file atomically. */
export function writePng(path: string, img: RgbaImage): void {
  writeFileAtomic(path, encodePng(img));
}

/** Reads a PNG file's RGBA raster (for tests and PNG inputs). */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = pngjs.PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}
