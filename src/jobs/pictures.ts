// The pictures a job is given (file bytes) as model inputs: decoded, fitted to the model's C x S x S, with a note
// when resized. Anything wrong with a picture is the caller's input, so it becomes a JobInputError: one line that
// starts with the picture's name (the CLI exits 1 with it, the API answers 400).
import { boxMask, imageInput, isGreyImage, maskInput, type ImageInput } from '../data/index.js';
import type { Tensor } from '../engine/index.js';
import { decodePicture } from '../io/index.js';
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

/** A picture as a model input (1, C, S, S) in [-1, 1] with its own size; a resize adds a note. */
export function jobPicture(m: LoadedDenoiser, p: Picture, notes: string[]): ImageInput {
  const [c, s] = [m.imageShape[0] as 1 | 3, m.imageShape[1]];
  const decoded = asInputError(() => decodePicture(p.bytes, p.source));
  const input = asInputError(() => imageInput(decoded, { size: s, channels: c }));
  if (input.width !== s || input.height !== s)
    notes.push(`${p.source} is ${input.width}x${input.height}; resized to the model's ${s}x${s}`);
  if (c === 1 && !isGreyImage(decoded))
    notes.push(`${p.source} is in colour; converted to grey (the model's images are grey)`);
  return input;
}

/** An inpainting mask (1, 1, S, S) from a mask picture of the input's own size, or from a box in model pixels. */
export function jobMask(m: LoadedDenoiser, mask: Picture | Box, input: { width: number; height: number }): Tensor {
  const size = m.imageShape[1];
  if ('bytes' in mask)
    return asInputError(() => maskInput(decodePicture(mask.bytes, mask.source), { ...input, size }, mask.source));
  return asInputError(() => boxMask(size, mask));
}
