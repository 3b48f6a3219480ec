// The one contract every sampler, editing operation and guidance combinator consumes (the EDM / k-diffusion
// convention, Karras et al. 2022 Sec. 2):
//
//   denoise(x, sigma, cond) = E[x0 | x],   where x = x0 + sigma * eps.
//
// x lives in the "variance-exploding frame": a VP model's input x_t = alpha x0 + sigma_t eps is x_t / alpha here
// and sigma = sigma_t / alpha_t is its noise level. With this choice one sampler works with every model (discrete
// VP networks are wrapped in fromNetwork, analytic models answer directly), sigma = 0 is clean data for every
// schedule, and eps / score follow from the answer: eps = (x - D) / sigma, score = (D - x) / sigma^2.
import { full, type Tensor } from '../engine/index.js';
import type { Cond, Schedule } from '../diffusion/index.js';

export interface Denoiser {
  /**
   * The schedule the model was trained with. Samplers take their default step grid and noise range from it; exact
   * models (Gaussian mixtures) accept any.
   */
  readonly schedule: Schedule;
  /** E[x0 | x] for x = x0 + sigma * eps; sigma has one noise level per row ([B]); cond null = unconditional. */
  denoise(x: Tensor, sigma: Tensor, cond: Cond): Tensor;
}

/** The denoiser at one noise level for the whole batch (what samplers call). */
export function denoiseAt(d: Denoiser, x: Tensor, sigma: number, cond: Cond = null): Tensor {
  return d.denoise(x, full([x.shape[0]!], sigma, { dtype: x.dtype === 'float64' ? 'float64' : 'float32', device: x.device }), cond);
}
