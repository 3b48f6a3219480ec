// Classifier-free guidance (Ho & Salimans 2022) as a denoiser combinator: eps = eps_u + w (eps_c - eps_u).
// Since eps = (x - D) / sigma is affine in D at a fixed (x, sigma), the same combination of x0 estimates,
// D = D_u + w (D_c - D_u), is exactly the guided eps: one formula serves every sampler.
import type { Tensor } from '../engine/index.js';
import type { Cond } from '../diffusion/index.js';
import type { Denoiser, NoiseLevels } from './denoiser.js';

export interface GuidanceOptions {
  /** Guidance weight w: 0 = unconditional, 1 = conditional, > 1 sharpens towards the condition. */
  scale: number;
  /** The condition that means "no condition" to this model (e.g. a reserved class id). Default null. */
  nullCond?: Cond;
}

/** The guided denoiser. w = 0 and w = 1 call the model once (they equal the unconditional / conditional one). */
export function classifierFreeGuidance(d: Denoiser, o: GuidanceOptions): Denoiser {
  const w = o.scale,
    nullCond = o.nullCond ?? null;
  if (!Number.isFinite(w)) throw new Error(`classifierFreeGuidance: scale must be finite, got ${w}`);
  return {
    schedule: d.schedule,
    priorMean: d.priorMean,
    priorSpread: d.priorSpread,
    denoise(x: Tensor, sigma: NoiseLevels, cond: Cond): Tensor {
      if (w === 0) return d.denoise(x, sigma, nullCond);
      if (w === 1) return d.denoise(x, sigma, cond);
      const u = d.denoise(x, sigma, nullCond);
      return u.add(d.denoise(x, sigma, cond).sub(u).mul(w));
    },
  };
}
