// The one contract every sampler, loss, editing operation and guidance combinator consumes (the EDM / k-diffusion
// convention, Karras et al. 2022 Sec. 2):
//
//   denoise(x, sigma, cond) = E[x0 | x],   where x = x0 + sigma * eps.
//
// x lives in the "variance-exploding frame": a VP model's input x_t = alpha x0 + sigma_t eps is x_t / alpha here
// and sigma = sigma_t / alpha_t is its noise level. With this choice one sampler works with every model (discrete
// VP networks are wrapped in fromNetwork, analytic models answer directly), sigma = 0 is clean data for every
// schedule, and eps / score follow from the answer: eps = (x - D) / sigma, score = (D - x) / sigma^2.
// Noise levels are host numbers in float64 (schedule math stays on the host): a sampler passes one level for the
// whole batch, the training loss one per row; a denoiser that needs them as a tensor builds it itself.
import type { Tensor } from '../engine/index.js';
import type { Cond, Schedule } from '../diffusion/index.js';

/** One noise level for the whole batch, or one per row (length B). */
export type NoiseLevels = number | readonly number[];

export interface Denoiser {
  /**
   * The schedule the model was trained with. Samplers take their default step grid and noise range from it; exact
   * models (Gaussian mixtures) accept any.
   */
  readonly schedule: Schedule;
  /** E[x0 | x] for x = x0 + sigma * eps; cond null = unconditional. */
  denoise(x: Tensor, sigma: NoiseLevels, cond: Cond): Tensor;
}
