// DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2: multistep 2nd-order data-prediction solver), written in the
// denoiser frame as in k-diffusion. With lambda = -log sigma and h = lambda_s - lambda_t,
//   x_s = (sigma_s / sigma_t) x_t + (1 - e^{-h}) D_hat,
//   D_hat = (1 + 1/(2r)) D_t - 1/(2r) D_prev,   r = h_prev / h,
// where the first step uses D_hat = D_t (DPM-Solver++(1) = DDIM) and the last step, to sigma = 0, returns D_t.
// One denoiser evaluation per step.
import type { Tensor } from '../engine/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { runSteps, stepGrid, type SamplerOptions } from './common.js';

export interface DpmppOptions extends SamplerOptions {
  /** Curvature of the Karras grid (ignored with explicit sigmas). Default 7. */
  rho?: number;
}

/** Samples of the given shape. Default numSteps 20. */
export function dpmpp2m(d: Denoiser, shape: readonly number[], o: DpmppOptions): Tensor {
  const sigmas = stepGrid('dpmpp-2m', d, o);
  const lambda = (s: number) => -Math.log(s);
  return runSteps(d, shape, sigmas, o, (x, i, prev) => {
    const [st, ss] = [sigmas[i]!, sigmas[i + 1]!];
    const x0 = d.denoise(x, st, o.cond ?? null);
    if (ss === 0) return { x: x0, x0 };
    const h = lambda(ss) - lambda(st);
    let dHat = x0; // first step (no history, e.g. after a start point): DPM-Solver++(1)
    if (prev !== null) {
      const r = (lambda(st) - lambda(sigmas[i - 1]!)) / h;
      dHat = x0.mul(1 + 1 / (2 * r)).sub(prev.mul(1 / (2 * r)));
    }
    return { x: x.mul(ss / st).add(dHat.mul(-Math.expm1(-h))), x0 };
  });
}
dpmpp2m.samplerName = 'dpmpp-2m' as const;
