// What every command checks before any work: the ranges several commands share, and the memory a request needs
// against what this machine has. A request that cannot fit is refused up front, naming the option and both
// numbers (exit 2), instead of an out-of-memory crash half a minute later.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './command.js';

export { MAX_SEED, MAX_CONTINUOUS_STEPS, MAX_GUIDANCE } from '../jobs/common-fields.js';
/** Height = width of images a command makes without a model (forward --size): 4096 is a 64 MiB float raster. */
export const MAX_IMAGE_SIZE = 4096;
/** Height = width of training images (train, classifier --size): the data set is held in memory at this size. */
export const MAX_TRAIN_IMAGE_SIZE = 1024;

/**
 * Working memory per image of a network's forward pass, in images: a U-Net holds feature maps 32 to 128 channels
 * wide at full and reduced resolution, several at once. A deliberately low estimate: the check refuses what
 * cannot fit at all, it does not promise that what passes fits.
 */
const FEATURE_MAPS_PER_IMAGE = 256;
/** Training keeps the forward pass's activations for the backward pass, and their gradients. */
const TRAINING_FACTOR = 3;

function bytesText(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  const i = Math.min(units.length - 1, Math.max(0, Math.floor(Math.log10(Math.max(n, 1)) / 3)));
  return `${(n / 1000 ** i).toPrecision(3)} ${units[i]}`;
}

/** Refuses a request whose estimated memory is over this machine's; `what` names the options it comes from. */
export function requireMemory(what: string, bytes: number): void {
  const have = totalmem();
  if (bytes > have)
    throw new UsageError(`${what} needs about ${bytesText(bytes)} of memory; this machine has ${bytesText(have)}`);
}

/** Bytes of one float32 image of shape [C, H, W]. */
const imageBytes = ([c, h, w]: readonly number[]) => c! * h! * w! * 4;

export interface ImageJobSize {
  /** Images the job makes (and holds until they are written). */
  count: number;
  /** Images per network call. */
  batch: number;
  imageShape: readonly [number, number, number];
  /** Figure pixels per model pixel. */
  scale: number;
  /** Extra rasters written per image (one PNG each for --each). */
  extraRasters?: number;
  /** GIF frames recorded, each a raster of every image (x_t beside x0: twice). */
  gifFrames?: number;
}

/** Memory an image job needs: its images (and copies on the way to the figure), a batch's activations, rasters. */
export function imageJobBytes(o: ImageJobSize): number {
  const [, h, w] = o.imageShape;
  const raster = (h * o.scale + 2) * (w * o.scale + 2) * 4;
  return (
    o.count * (3 * imageBytes(o.imageShape) + raster * (1 + (o.extraRasters ?? 0) + 2 * (o.gifFrames ?? 0))) +
    o.batch * imageBytes(o.imageShape) * FEATURE_MAPS_PER_IMAGE
  );
}

/** Memory a training step needs: a batch's activations kept for the backward pass, and their gradients. */
export function trainingBytes(batch: number, imageShape: readonly number[]): number {
  return batch * imageBytes(imageShape) * FEATURE_MAPS_PER_IMAGE * TRAINING_FACTOR;
}

/** Memory an evaluation needs: n samples, n real images twice (reference, floor), their features, a batch's activations. */
export function evalBytes(n: number, batch: number, imageShape: readonly number[], featureDim: number): number {
  return (
    n * (3 * imageBytes(imageShape) + 3 * featureDim * 4) + batch * imageBytes(imageShape) * FEATURE_MAPS_PER_IMAGE
  );
}

/** Refuses an output path that cannot be written (a folder, or under a file) before the work that fills it. */
export function checkOutputPath(option: string, path: string, kind: 'file' | 'folder' = 'file'): void {
  if (existsSync(path) && statSync(path).isDirectory() !== (kind === 'folder')) {
    throw new UsageError(`--${option} ${path} is a ${kind === 'file' ? 'folder' : 'file'}, not a ${kind}`);
  }
  let dir = dirname(resolve(path));
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--${option} ${path}: ${dir} is a file, not a folder`);
}

/** Where an output lands: its folder's real path (links followed) and its own name (a link there is replaced). */
const landing = (path: string) => {
  const dir = dirname(resolve(path));
  return join(existsSync(dir) ? realpathSync(dir) : dir, basename(path));
};

/**
 * Refuses two outputs of one command on one file (`denoise --strip F --out F`) before the work: the second would
 * overwrite the first. `outputs` maps each option to its path (null: not asked for).
 */
export function checkDistinctOutputs(outputs: Record<string, string | null>): void {
  const seen = new Map<string, string>();
  for (const [option, path] of Object.entries(outputs)) {
    if (path === null) continue;
    const other = seen.get(landing(path));
    if (other) throw new UsageError(`--${option} ${path} is also --${other}'s file: give each output its own`);
    seen.set(landing(path), option);
  }
}
