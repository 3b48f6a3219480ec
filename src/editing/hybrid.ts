// Hybrid images by factorized diffusion (Geng et al. 2024, after Oliva et al. 2006) as a denoiser combinator:
// the low frequencies come from one condition's estimate and the high frequencies from the other's,
//   D = lowpass(D_low) + highpass(D_high),  highpass = 1 - lowpass,
// written as D_high + lowpass(D_low - D_high) so that equal conditions give D_high exactly. Like the anagram,
// eps is affine in D and the blur is linear, so this is the paper's eps combination.
import type { Tensor } from '../engine/index.js';
import type { Cond } from '../diffusion/index.js';
import type { Denoiser, NoiseLevels } from '../denoisers/index.js';
import { gaussianBlur, type BlurOptions } from './blur.js';

export interface HybridOptions {
  /** The condition seen from afar (low frequencies). */
  condLow: Cond;
  /** The condition seen up close (high frequencies). */
  condHigh: Cond;
  /** The low-pass filter. Default: kernel 33, sigma 2. */
  blur?: BlurOptions;
}

/** The hybrid denoiser. The sampler's own cond is not used. */
export function hybridImage(d: Denoiser, o: HybridOptions): Denoiser {
  return {
    schedule: d.schedule,
    priorMean: d.priorMean,
    priorSpread: d.priorSpread, // one model's data: the low- and high-pass parts are both its pictures
    denoise(x: Tensor, sigma: NoiseLevels): Tensor {
      const low = d.denoise(x, sigma, o.condLow),
        high = d.denoise(x, sigma, o.condHigh);
      return high.add(gaussianBlur(low.sub(high), o.blur));
    },
  };
}
