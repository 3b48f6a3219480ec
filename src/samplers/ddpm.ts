// DDPM ancestral sampling (Ho et al. 2020, Algorithm 2) on any subset of the schedule's times: each step draws
// x_s ~ q(x_s | x_t, x0 = D(x_t)) (eq. 6-7; strided when s < t - 1, the "iterative denoising" of the course
// material). Symbols: t = times[i], s = times[i+1], x_t = alpha_t * x (the schedule's frame).
import type { Tensor } from '../engine/index.js';
import { forwardStepVariance, posterior } from '../diffusion/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { runSteps, noiseLike, stepGrid, type SamplerOptions } from './common.js';

export interface DdpmOptions extends SamplerOptions {
  /**
   * The reverse-step variance (Ho et al. Sec. 3.2): 'posterior' = beta-tilde (eq. 7, optimal for a point mass
   * x0), 'beta' = beta_t (1 - alpha_bar_t / alpha_bar_s when strided; optimal for x0 ~ N(0, I)).
   * Default 'posterior'.
   */
  variance?: 'posterior' | 'beta';
}

/** Samples of the given shape. Default numSteps: all T timesteps (1000 for continuous schedules). */
export function ddpm(d: Denoiser, shape: readonly number[], o: DdpmOptions): Tensor {
  const sch = d.schedule;
  const sigmas = stepGrid('ddpm', d, o);
  const times = sigmas.map((l) => sch.timeAt(l));
  return runSteps(d, shape, sigmas, o, (x, i) => {
    const [t, s] = [times[i]!, times[i + 1]!];
    const x0 = d.denoise(x, sigmas[i]!, o.cond ?? null);
    if (sigmas[i + 1] === 0) return { x: x0, x0 }; // Algorithm 2 adds no noise at t = 1: the mean is x0
    const { mean, std } = posterior(sch, { xt: x.mul(sch.alpha(t)), x0, t, s });
    const sd = o.variance === 'beta' ? Math.sqrt(forwardStepVariance(sch, { t, s })) : std;
    return { x: mean.add(noiseLike(x, o.rng).mul(sd)).div(sch.alpha(s)), x0 };
  });
}
ddpm.samplerName = 'ddpm' as const;
