// Euler-Maruyama for the reverse-time SDE (Song et al. 2021, eq. 6) of x = x0 + sigma eps, whose forward SDE is
// dx = g dw with g^2 dt = d(sigma^2) (for the VE SDE of the tutorial, g(t) = lambda^t):
//   x <- x + (sigma_i^2 - sigma_{i+1}^2) score(x, sigma_i) + sqrt(sigma_i^2 - sigma_{i+1}^2) z,
// with score = (D(x) - x) / sigma^2. g^2 dt is taken as its exact integral over the step (Song et al.'s "reverse
// diffusion" discretisation; it differs from g(t_i)^2 dt by O(dt^2)), which lets one function serve every
// schedule. As in the tutorial, the last step adds no noise; it lands on x = D(x).
import type { Tensor } from '../engine/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { runSteps, noiseLike, stepGrid, type SamplerOptions } from './common.js';

/** Samples of the given shape. Default numSteps 500 (the tutorial's). */
export function eulerMaruyama(d: Denoiser, shape: readonly number[], o: SamplerOptions): Tensor {
  const sigmas = stepGrid('euler-maruyama', d, o);
  return runSteps(d, shape, sigmas, o, (x, i) => {
    const [st, ss] = [sigmas[i]!, sigmas[i + 1]!];
    const x0 = d.denoise(x, st, o.cond ?? null);
    const dv = st * st - ss * ss; // int g^2 dt over the step
    const mean = x.add(x0.sub(x).mul(dv / (st * st))); // x + g^2 dt * score
    return { x: ss > 0 ? mean.add(noiseLike(x, o.rng).mul(Math.sqrt(dv))) : mean, x0 };
  });
}
eulerMaruyama.samplerName = 'euler-maruyama' as const;
