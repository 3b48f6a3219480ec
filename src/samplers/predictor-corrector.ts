// Predictor-corrector sampling (Song et al. 2021, Algorithm 2 for the VE SDE, corrector of Algorithm 5): each
// step is one reverse-diffusion predictor step (the Euler-Maruyama step of euler-maruyama.ts), then
// `correctorSteps` Langevin MCMC steps at the new noise level,
//   x <- x + e score(x) + sqrt(2 e) z,   e = 2 (r ||z|| / ||score||)^2   (r = snr),
// with the norms averaged over the batch as in the authors' code: a per-row ratio explodes for rows that sit at a
// mode, where the score vanishes.
// The corrector is skipped after the last step, which lands on sigma = 0 without noise.
import type { Tensor } from '../engine/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { runSteps, noiseLike, stepGrid, type SamplerOptions } from './common.js';

export interface PredictorCorrectorOptions extends SamplerOptions {
  /** Langevin steps after each predictor step. Default 1. */
  correctorSteps?: number;
  /** Signal-to-noise ratio r of the Langevin step size. Default 0.16 (Song et al., CIFAR-10 VE). */
  snr?: number;
}

/** The mean over rows of the rows' Euclidean norms. */
function meanRowNorm(x: Tensor): number {
  return x.reshape([x.shape[0]!, -1]).square().sum(1).sqrt().mean().item();
}

/** Samples of the given shape. Default numSteps 500; network evaluations: numSteps + correctorSteps (numSteps - 1). */
export function predictorCorrector(d: Denoiser, shape: readonly number[], o: PredictorCorrectorOptions): Tensor {
  const sigmas = stepGrid('pc', d, o);
  const M = o.correctorSteps ?? 1,
    r = o.snr ?? 0.16;
  return runSteps(d, shape, sigmas, o, (x, i) => {
    const [st, ss] = [sigmas[i]!, sigmas[i + 1]!];
    // Predictor: reverse diffusion from sigma_t to sigma_s.
    const x0 = d.denoise(x, st, o.cond ?? null);
    const dv = st * st - ss * ss;
    let xs = x.add(x0.sub(x).mul(dv / (st * st)));
    if (ss === 0) return { x: xs, x0 };
    xs = xs.add(noiseLike(x, o.rng).mul(Math.sqrt(dv)));
    // Corrector: Langevin dynamics targeting p_{sigma_s}.
    for (let j = 0; j < M; j++) {
      const score = d
        .denoise(xs, ss, o.cond ?? null)
        .sub(xs)
        .div(ss * ss);
      const z = noiseLike(xs, o.rng);
      const e = 2 * ((r * meanRowNorm(z)) / meanRowNorm(score)) ** 2;
      xs = xs.add(score.mul(e)).add(z.mul(Math.sqrt(2 * e)));
    }
    return { x: xs, x0 };
  });
}
predictorCorrector.samplerName = 'pc' as const;
