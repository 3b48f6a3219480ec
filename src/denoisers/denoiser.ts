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

/** One image's values, row-major (C, H, W): a plain array, so a denoiser holds no tensor to release. */
export interface ImageValues {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export interface Denoiser {
  /**
   * The schedule the model was trained with. Samplers take their default step grid and noise range from it; exact
   * models (Gaussian mixtures) accept any.
   */
  readonly schedule: Schedule;
  /**
   * The mean of the data it was trained on, E[x0] (one image): where samplers start, x = mean + sigma_max eps.
   * That is the mean of x at sigma_max, exactly, for every schedule; absent, samplers start at 0, which is off by
   * the data's mean where the last level keeps signal (linear T = 300: sigma_max 4.45 against MNIST's mean pixel
   * -0.74, 4.7 standard deviations in an image's mean brightness).
   */
  readonly priorMean?: ImageValues;
  /**
   * The data's spread about that mean along its k main directions (k, ...image shape): each direction times its
   * standard deviation. With it samplers start at mean + sum_i z_i spread_i + sigma_max eps, the Gaussian with x at
   * sigma_max's mean and covariance (but for the directions past k); without it the start lacks the data's own
   * variance, too narrow where the last level keeps signal (linear T = 300 on [-1, 1] MNIST: x's standard deviation
   * along the first direction is 6.3, the mean's start 4.45).
   */
  readonly priorSpread?: ImageValues;
  /** E[x0 | x] for x = x0 + sigma * eps; cond null = unconditional. */
  denoise(x: Tensor, sigma: NoiseLevels, cond: Cond): Tensor;
}
