// What the editing operations share: the sampler they run and the grid of noise levels they run it on.
import type { RandomSource } from '../engine/index.js';
import type { Cond, Spacing } from '../diffusion/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { stepGrid, type Sampler, type StepInfo } from '../samplers/index.js';

export interface EditOptions {
  /** The sampler that does the denoising (ddpm, ddim, heun, ...; extra options bound by the caller). */
  sampler: Sampler;
  /** Noise of the start point, of every stochastic step and of the edit's own noising. */
  rng: RandomSource;
  /** Steps on the sampler's own grid (stepGrid). Default: the sampler's own count. */
  numSteps?: number;
  /** Spreading of the grid's times (samplers on the time grid). Default 'linspace'. */
  spacing?: Spacing;
  /** An explicit grid of descending noise levels ending in 0; overrides numSteps and spacing. */
  sigmas?: readonly number[];
  /** Condition for the denoiser. Default null. */
  cond?: Cond;
  /** Called after each step with the current x and x0 estimate (GIF frames); observes only. */
  onStep?: (info: StepInfo) => void;
}

/** The grid an edit runs on: the sampler's own (stepGrid), as when it samples. */
export function editGrid(d: Denoiser, o: EditOptions): number[] {
  return stepGrid(o.sampler.samplerName, d, o);
}
