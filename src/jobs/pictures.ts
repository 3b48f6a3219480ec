// The pictures a job is given (file bytes) as model inputs: decoded, fitted to the model's C x S x S, with a note
// when resized. Anything wrong with a picture is the caller's input, so it becomes a JobInputError: one line that
// starts with the picture's name (the CLI exits 1 with it, the API answers 400).
import { boxMask, imageInput, isGreyImage, maskInput, type ImageInput } from '../data/index.js';
import { tidy, type Tensor } from '../engine/index.js';
import { decodePicture, imageGrid, type RgbaImage } from '../io/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import type { Box, Picture } from './specs.js';

/** A job's input that cannot be used (undecodable picture, mask of the wrong size, box outside the image). */
export class JobInputError extends Error {}

function asInputError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new JobInputError((e as Error).message.split('\n')[0]!);
  }
}

/** A job's picture: the model input (1, C, S, S) with its own size, and the picture as decoded. */
export interface JobPicture extends ImageInput {
  decoded: RgbaImage;
}

/** A picture as a model input (1, C, S, S) in [-1, 1] with its own size; a resize adds a note. */
export function jobPicture(m: LoadedDenoiser, p: Picture, notes: string[]): JobPicture {
  const [c, s] = [m.imageShape[0] as 1 | 3, m.imageShape[1]];
  const decoded = asInputError(() => decodePicture(p.bytes, p.source));
  const input = asInputError(() => imageInput(decoded, { size: s, channels: c }));
  if (input.width !== s || input.height !== s)
    notes.push(`${p.source} is ${input.width}x${input.height}; resized to the model's ${s}x${s}`);
  if (c === 1 && !isGreyImage(decoded))
    notes.push(`${p.source} is in colour; converted to grey (the model's images are grey)`);
  return { ...input, decoded };
}

/** An inpainting mask (1, 1, S, S) from a mask picture of the input's own size, or from a box in model pixels. */
export function jobMask(m: LoadedDenoiser, mask: Picture | Box, input: { width: number; height: number }): Tensor {
  const size = m.imageShape[1];
  if ('bytes' in mask)
    return asInputError(() => maskInput(decodePicture(mask.bytes, mask.source), { ...input, size }, mask.source));
  return asInputError(() => boxMask(size, mask));
}

/** An edit's result as the user's picture: its input's own size and channels (1 grey, 3 RGB, 4 with alpha). */
export interface EditedPicture {
  image: RgbaImage;
  channels: 1 | 3 | 4;
}

/**
 * One of the pictures a job hands back as the user would use it (one file each): an edit's result at its input's
 * own size, or a made picture at the model's.
 */
export interface ResultPicture extends EditedPicture {
  /**
   * What sets it apart from the job's other pictures in a file name: '' for the job's one picture, else the
   * image's number when there are several and the reading's name where it has one ('0001', 'rot180', '0001-rot180').
   */
  name: string;
  /** The picture in words ('result', 'Trouser (as is)'). */
  label: string;
}

/**
 * Made pictures (k, C, S, S) in [-1, 1] as the user's pictures, at the model's own size and channels: one per image
 * and reading (an anagram's picture as it is and under its view), image by image.
 */
export function picturesAtModelSize(readings: { label: string; images: Tensor; name?: string }[]): ResultPicture[] {
  const [k, c] = readings[0]!.images.shape as [number, number];
  const out: ResultPicture[] = [];
  for (let i = 0; i < k; i++)
    for (const r of readings) {
      const number = k > 1 ? String(i).padStart(4, '0') : '';
      out.push({
        name: [number, r.name ?? ''].filter((part) => part !== '').join('-'),
        label: k > 1 ? `${r.label}, image ${i + 1}` : r.label,
        image: tidy(() => imageGrid(r.images.slice(0, i, i + 1), { padding: 0 })),
        channels: c === 1 ? 1 : 3,
      });
    }
  return out;
}

/**
 * A result (1, C, S, S) in [-1, 1] back at its input's own width and height (bilinear: each pixel's centre read
 * from the model pixels around it) and channels. Where `kept` says so (one per input pixel, 1 = keep), the
 * input's own pixels are taken exactly: inpainting hands back the region it kept untouched.
 */
export function pictureAtInputSize(result: Tensor, input: RgbaImage, kept?: Uint8Array): EditedPicture {
  const [, c, s] = result.shape as [number, number, number, number];
  const px = result.toFloat32Array();
  const { width: W, height: H } = input;
  const data = new Uint8Array(W * H * 4);
  const at = (k: number, y: number, x: number) => px[(k * s + y) * s + x]!;
  let alpha = false;
  for (let y = 0; y < H; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * s) / H - 0.5, 0), s - 1);
    const y0 = Math.floor(fy),
      y1 = Math.min(y0 + 1, s - 1),
      wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      alpha ||= input.data[i + 3]! < 255;
      if (kept?.[y * W + x]) {
        data.set(input.data.subarray(i, i + 4), i);
        continue;
      }
      const fx = Math.min(Math.max(((x + 0.5) * s) / W - 0.5, 0), s - 1);
      const x0 = Math.floor(fx),
        x1 = Math.min(x0 + 1, s - 1),
        wx = fx - x0;
      for (let k = 0; k < 3; k++) {
        const ch = c === 1 ? 0 : k;
        const v =
          (1 - wy) * ((1 - wx) * at(ch, y0, x0) + wx * at(ch, y0, x1)) +
          wy * ((1 - wx) * at(ch, y1, x0) + wx * at(ch, y1, x1));
        data[i + k] = Math.round(Math.min(Math.max((v + 1) * 127.5, 0), 255));
      }
      data[i + 3] = 255;
    }
  }
  const image = { width: W, height: H, data };
  return { image, channels: alpha ? 4 : isGreyImage(input) && (c === 1 || isGreyImage(image)) ? 1 : 3 };
}

/** Which pixels of the input inpainting keeps (1), at the input's own size: the mask picture's black, or outside the box. */
export function keptPixels(mask: Picture | Box, input: RgbaImage, size: number): Uint8Array {
  const { width: W, height: H } = input;
  const kept = new Uint8Array(W * H);
  if ('bytes' in mask) {
    const img = decodePicture(mask.bytes, mask.source);
    for (let i = 0; i < W * H; i++) {
      const luma = 0.299 * img.data[4 * i]! + 0.587 * img.data[4 * i + 1]! + 0.114 * img.data[4 * i + 2]!;
      kept[i] = luma < 127.5 ? 1 : 0;
    }
    return kept;
  }
  for (let y = 0; y < H; y++) {
    const my = ((y + 0.5) * size) / H;
    for (let x = 0; x < W; x++) {
      const mx = ((x + 0.5) * size) / W;
      const inside = mx >= mask.x && mx < mask.x + mask.w && my >= mask.y && my < mask.y + mask.h;
      kept[y * W + x] = inside ? 0 : 1;
    }
  }
  return kept;
}
