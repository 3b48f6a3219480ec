// Visual anagrams (Geng et al. 2024) as a denoiser combinator: one image that reads as class A as it is and as
// class B under a view v. The paper averages eps_A(x) and v^-1(eps_B(v(x))); since v is linear and
// eps = (x - D) / sigma is affine in D, averaging the x0 estimates the same way is the same sampler step:
//   D(x) = (D(x, A) + v^-1(D(v(x), B))) / 2.
import { tensor, tidy, type Tensor } from '../engine/index.js';
import type { Cond } from '../diffusion/index.js';
import type { Denoiser, ImageValues, NoiseLevels } from '../denoisers/index.js';
import type { View } from './views.js';

export interface AnagramOptions {
  /** The condition of the image as it is (A). */
  condA: Cond;
  /** The condition of the viewed image (B). */
  condB: Cond;
  /** The view under which the image reads as B. */
  view: View;
}

/** The anagram denoiser. The sampler's own cond is not used: the two conditions are fixed here. */
export function visualAnagram(d: Denoiser, o: AnagramOptions): Denoiser {
  return {
    schedule: d.schedule,
    priorMean: d.priorMean && viewed(d.priorMean, o.view, 1),
    priorSpread: d.priorSpread && viewed(d.priorSpread, o.view, d.priorSpread.shape[0]!),
    denoise(x: Tensor, sigma: NoiseLevels): Tensor {
      const a = d.denoise(x, sigma, o.condA);
      const b = o.view.invert(d.denoise(o.view.apply(x), sigma, o.condB));
      return a.add(b).mul(0.5);
    },
  };
}

/**
 * The start of an image that is a sample as it is and under v: a draw x of the data's Gaussian made (x + v^-1(x)) / 2,
 * so its mean and each spread direction (k images) are averaged with their v^-1 (0 for negate).
 */
function viewed(m: ImageValues, v: View, k: number): ImageValues {
  const data = tidy(() => {
    const t = tensor(m.data, [k, ...m.shape.slice(-3)]);
    return t.add(v.invert(t)).mul(0.5).toFloat32Array();
  });
  return { data, shape: m.shape };
}
