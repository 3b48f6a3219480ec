// SDEdit (Meng et al. 2022): image-to-image by noising the input to an intermediate level and denoising from
// there with an ordinary sampler started mid-way. Little noise keeps the input; much noise keeps only its coarse
// layout and lets the model project it onto the data (a sketch becomes a plausible item).
// Symbols: sigmas = the grid, k = the start index ("i_start"), x_k = x_input + sigmas[k] eps.
import { tidy, type Tensor } from '../engine/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { noiseLike } from '../samplers/index.js';
import { editGrid, type EditOptions } from './common.js';

export interface SdeditOptions extends EditOptions {
  /**
   * How much of the grid to run, in [0, 1]: 0 returns the input, 1 is plain sampling from the prior (the input's
   * weight at the top of the grid, alpha_T ~ 0.006 for DDPM's schedule, is dropped). Default 0.5.
   */
  strength?: number;
  /** The start index k on the grid instead of strength (0 = pure noise, numSteps = the input). */
  startStep?: number;
}

/** The start index: startStep if given, else round((1 - strength) * numSteps). */
export function sdeditStartStep(numSteps: number, o: Pick<SdeditOptions, 'strength' | 'startStep'>): number {
  if (o.startStep !== undefined) {
    if (!Number.isInteger(o.startStep) || o.startStep < 0 || o.startStep > numSteps) {
      throw new Error(`sdedit: startStep must be an integer in [0, ${numSteps}], got ${o.startStep}`);
    }
    return o.startStep;
  }
  const s = o.strength ?? 0.5;
  if (!(s >= 0 && s <= 1)) throw new Error(`sdedit: strength must be in [0, 1], got ${s}`);
  return Math.round((1 - s) * numSteps);
}

/** Edits a batch of images (B, C, H, W) in [-1, 1]; returns new images of the same shape. */
export function sdedit(d: Denoiser, image: Tensor, o: SdeditOptions): Tensor {
  const sigmas = editGrid(d, o);
  const k = sdeditStartStep(sigmas.length - 1, o);
  if (k === sigmas.length - 1) return image.clone();
  const run = { rng: o.rng, sigmas, cond: o.cond ?? null, ...(o.onStep ? { onStep: o.onStep } : {}) };
  if (k === 0) return o.sampler(d, image.shape, run);
  return tidy(() => {
    const start = image.add(noiseLike(image, o.rng).mul(sigmas[k]!)); // x_k = x + sigma_k eps (forward process)
    return o.sampler(d, image.shape, { ...run, start: { x: start, step: k } });
  });
}
