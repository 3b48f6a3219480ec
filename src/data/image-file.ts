// One picture from disk as a model input: PNG or JPEG, grey or RGB, any size, fitted to the model's C x S x S
// and scaled to [-1, 1] (the one place pictures become model inputs, as for datasets). Masks for inpainting are
// read the same way and thresholded to {0, 1}.
import { tensor, type Tensor } from '../engine/index.js';
import { decodePicture, readPictureFile, type RgbaImage } from '../io/index.js';
import { fitImage, type FitMode } from './resize.js';

export interface ImageInputOptions {
  /** Model image size S (height = width). */
  size: number;
  /** Model channels: grey pictures are repeated to RGB, RGB ones reduced to luma. */
  channels: 1 | 3;
  /** How a picture of another shape reaches S x S. Default 'stretch' (masks must keep their geometry). */
  fit?: FitMode;
}

export interface ImageInput {
  /** (1, C, S, S) in [-1, 1]. */
  image: Tensor;
  /** The file's own size, before fitting. */
  width: number;
  height: number;
}

/** Reads (bounded) and decodes (libvips, upright) a file; every failure is one line naming the file. */
export function readImageFile(path: string): RgbaImage {
  return decodePicture(readPictureFile(path), path);
}

/** A picture file as a model input (1, C, S, S) in [-1, 1]. */
export function loadImageInput(path: string, o: ImageInputOptions): ImageInput {
  return imageInput(readImageFile(path), o);
}

/** A decoded picture as a model input (1, C, S, S) in [-1, 1] (pictures that arrive as bytes, not files). */
export function imageInput(img: RgbaImage, o: ImageInputOptions): ImageInput {
  const pixels = fitImage(img, { size: o.size, channels: o.channels, fit: o.fit ?? 'stretch' });
  const data = Float32Array.from(pixels, (v) => v / 127.5 - 1);
  return { image: tensor(data, [1, o.channels, o.size, o.size]), width: img.width, height: img.height };
}

/** True when every pixel has R = G = B (a grey picture, whatever its PNG colour type). */
export function isGreyImage(img: RgbaImage): boolean {
  for (let i = 0; i < img.data.length; i += 4) {
    if (img.data[i] !== img.data[i + 1] || img.data[i] !== img.data[i + 2]) return false;
  }
  return true;
}

/**
 * An inpainting mask (1, 1, S, S): 1 = generate (white), 0 = keep (black), thresholded at half intensity after
 * resizing. It must be grey and have the image's own size (`like`), so that it covers what the user drew it on.
 */
export function loadMask(path: string, like: { width: number; height: number; size: number }): Tensor {
  return maskInput(readImageFile(path), like, path);
}

/** A decoded picture as an inpainting mask (1, 1, S, S), checked as loadMask does; errors start with `source`. */
export function maskInput(
  img: RgbaImage,
  like: { width: number; height: number; size: number },
  source = 'mask',
): Tensor {
  if (img.width !== like.width || img.height !== like.height) {
    throw new Error(`${source}: mask is ${img.width}x${img.height}, the image is ${like.width}x${like.height}`);
  }
  if (!isGreyImage(img)) throw new Error(`${source}: mask must be black and white (grey), it has colour`);
  const pixels = fitImage(img, { size: like.size, channels: 1, fit: 'stretch' });
  return tensor(
    Float32Array.from(pixels, (v) => (v >= 128 ? 1 : 0)),
    [1, 1, like.size, like.size],
  );
}

/** A box mask (1, 1, S, S): 1 inside [x, x + w) x [y, y + h) in model pixels, 0 elsewhere. */
export function boxMask(size: number, box: { x: number; y: number; w: number; h: number }): Tensor {
  const { x, y, w, h } = box;
  if (![x, y, w, h].every(Number.isInteger) || x < 0 || y < 0 || w < 1 || h < 1 || x + w > size || y + h > size) {
    throw new Error(`box ${x},${y},${w},${h} must be integers inside the ${size}x${size} image`);
  }
  const m = new Float32Array(size * size);
  for (let r = y; r < y + h; r++) m.fill(1, r * size + x, r * size + x + w);
  return tensor(m, [1, 1, size, size]);
}
