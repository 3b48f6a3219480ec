// What the image commands (sample, forward, denoise, edit) share: the sampler by name, the model file, input
// pictures fitted to the model (with a note when resized) and PNG outputs. Parsing only: the work is the library's.
import {
  DEFAULT_MODEL_PATH, classIdOf, imageGrid, loadDenoiser, loadImageInput, samplerFor, tidy, writePng,
  defaultStepsFor, samplerNames, type SamplerName,
  type Denoiser, type GridOptions, type LoadedDenoiser, type Sampler, type Tensor,
} from '../index.js';
import { UsageError, num, oneOf, str, type OptionSpec } from './command.js';
import { precisionOption, readPrecision } from './precision.js';

export const SAMPLERS = samplerNames;
export type { SamplerName };

/** Options every image command takes. */
export const imageCommandOptions: Record<string, OptionSpec> = {
  model: { type: 'string', help: 'model file written by difflab train', default: 'models/fashion-mnist.safetensors' },
  seed: { type: 'string', help: 'random seed; image i depends only on the seed and i', default: '0' },
  precision: precisionOption,
};

/** Steps of the edits' sampler when --steps is not given (a strided grid of the schedule's times). */
export const EDIT_STEPS = 50;

/** Options of the sampler that does the denoising. */
export const samplerOptions: Record<string, OptionSpec> = {
  sampler: { type: 'string', help: SAMPLERS.join('|'), default: 'ddpm' },
  steps: { type: 'string', help: 'sampler steps', default: String(EDIT_STEPS) },
  eta: { type: 'string', help: 'ddim stochasticity in [0, 1]', default: '0' },
};

/**
 * The sampler, its name and step count from --sampler/--steps/--eta; without --steps, `steps` when the command
 * has its own default (the edits: 50), else the sampler's own (defaultSamplerSteps).
 */
export function readSampler(v: Record<string, unknown>, d: Denoiser, fallback: SamplerName = 'ddpm', steps?: number): { name: SamplerName; sampler: Sampler; numSteps: number } {
  const name = oneOf(v.sampler, 'sampler', SAMPLERS, fallback);
  const T = d.schedule.numTimesteps;
  const numSteps = num(v.steps, 'steps', steps ?? defaultStepsFor(name, T), { min: 1, integer: true, ...(T !== null ? { max: T } : {}) });
  return { name, sampler: samplerFor(name, { eta: num(v.eta, 'eta', 0, { min: 0, max: 1 }) }), numSteps };
}

/** --model as a loaded denoiser; a missing or foreign file exits 1 with one line. */
export function readModel(v: Record<string, unknown>): LoadedDenoiser {
  const path = v.model === undefined ? DEFAULT_MODEL_PATH : String(v.model);
  const precision = readPrecision(v);
  try {
    return loadDenoiser(path, { precision });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!, 1);
  }
}

/** A class option (name or id) as an id; null when absent. */
export function readClass(v: unknown, name: string, m: LoadedDenoiser): number | null {
  if (v === undefined) return null;
  try {
    return classIdOf(String(v), m.classNames);
  } catch (e) {
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
}

/** An input picture fitted to the model, (1, C, S, S) in [-1, 1]; notes a resize on stderr. */
export function readImage(path: string, m: LoadedDenoiser): { image: Tensor; width: number; height: number } {
  const [c, s] = [m.imageShape[0] as 1 | 3, m.imageShape[1]];
  try {
    const input = loadImageInput(path, { size: s, channels: c });
    if (input.width !== s || input.height !== s) {
      console.error(`note: ${path} is ${input.width}x${input.height}; resized to the model's ${s}x${s}`);
    }
    return input;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!, 1);
  }
}

/** --out as a .png path. */
export function readPngOut(v: unknown, fallback?: string): string {
  const out = str(v, 'out', fallback);
  if (!out.toLowerCase().endsWith('.png')) throw new UsageError(`--out must name a .png file, got '${out}'`);
  return out;
}

/** Writes images (N, C, H, W) in [-1, 1] as one PNG grid, upscaled for viewing. */
export function writeGrid(path: string, images: Tensor, o: GridOptions = {}): { width: number; height: number } {
  const img = tidy(() => imageGrid(images, { scale: 2, ...o }));
  writePng(path, img);
  return img;
}
