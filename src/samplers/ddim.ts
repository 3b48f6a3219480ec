// DDIM (Song, Meng & Ermon 2021, eq. 12) in the denoiser frame x = x0 + sigma eps, where it reads
//   x_s = x0 + sqrt(sigma_s^2 - c^2) eps + c z,   c^2 = eta^2 sigma_s^2 (sigma_t^2 - sigma_s^2) / sigma_t^2,
// with x0 = D(x_t), eps = (x_t - x0) / sigma_t (eq. 16's sigma_t(eta) divided by sqrt(alpha_bar_s)).
// eta = 0 is deterministic (an Euler step of the probability-flow ODE in sigma); eta = 1 is the strided DDPM
// posterior (the ancestral "iterative denoising").
import type { Tensor } from '../engine/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { runSteps, noiseLike, stepGrid, type SamplerOptions } from './common.js';

export interface DdimOptions extends SamplerOptions {
  /** Stochasticity in [0, 1]. Default 0. */
  eta?: number;
}

/** Samples of the given shape. Default numSteps 50. */
export function ddim(d: Denoiser, shape: readonly number[], o: DdimOptions): Tensor {
  const sigmas = stepGrid('ddim', d, o);
  const eta = o.eta ?? 0;
  if (!(eta >= 0 && eta <= 1)) throw new Error(`ddim: eta must be in [0, 1], got ${eta}`);
  return runSteps(d, shape, sigmas, o, (x, i) => {
    const [st, ss] = [sigmas[i]!, sigmas[i + 1]!];
    const x0 = d.denoise(x, st, o.cond ?? null);
    const eps = x.sub(x0).div(st);
    const c = eta * ss * Math.sqrt(Math.max(0, 1 - (ss * ss) / (st * st)));
    const xs = x0.add(eps.mul(Math.sqrt(ss * ss - c * c)));
    return { x: c > 0 ? xs.add(noiseLike(x, o.rng).mul(c)) : xs, x0 };
  });
}
ddim.samplerName = 'ddim' as const;
