// Heun's 2nd-order method on the probability-flow ODE dx/dsigma = (x - D(x, sigma)) / sigma (Karras et al. 2022,
// Algorithm 1, deterministic: S_churn = 0), on the rho = 7 grid of their eq. 5. Each step costs two denoiser
// evaluations except the last (to sigma = 0), which is an Euler step: 2N - 1 in all.
import type { Tensor } from '../engine/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { runSteps, stepGrid, type SamplerOptions } from './common.js';

export interface HeunOptions extends SamplerOptions {
  /** Curvature of the Karras grid (ignored with explicit sigmas). Default 7. */
  rho?: number;
}

/** Samples of the given shape. Default numSteps 18 (EDM's CIFAR-10 setting, 35 evaluations). */
export function heun(d: Denoiser, shape: readonly number[], o: HeunOptions): Tensor {
  const sigmas = stepGrid('heun', d, o);
  return runSteps(d, shape, sigmas, o, (x, i) => {
    const [st, ss] = [sigmas[i]!, sigmas[i + 1]!];
    // Euler step.
    const x0 = d.denoise(x, st, o.cond ?? null);
    const slope = x.sub(x0).div(st);
    const xe = x.add(slope.mul(ss - st));
    if (ss === 0) return { x: xe, x0 };
    // Apply 2nd order correction: average the slopes at both ends (the trapezoidal rule).
    const slope2 = xe.sub(d.denoise(xe, ss, o.cond ?? null)).div(ss);
    return { x: x.add(slope.add(slope2).mul((ss - st) / 2)), x0 };
  });
}
heun.samplerName = 'heun' as const;
