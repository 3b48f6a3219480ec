// The views of visual anagrams (Geng et al. 2024): orthogonal pixel transforms v with an exact inverse, so that
// a denoiser's estimate for the viewed image can be carried back to the original frame.
import type { Tensor } from '../engine/index.js';

export type ViewName = 'identity' | 'flip' | 'rot90' | 'rot180' | 'negate';
export const viewNames: readonly ViewName[] = ['identity', 'flip', 'rot90', 'rot180', 'negate'];

export interface View {
  readonly name: ViewName;
  /** v(x) for images (N, C, H, W). */
  apply(x: Tensor): Tensor;
  /** v^-1(x). */
  invert(x: Tensor): Tensor;
}

/** The view of a name: flip = upside down, rot90 = a quarter turn counter-clockwise (square images), negate = -x. */
export function view(name: ViewName): View {
  switch (name) {
    case 'identity':
      return { name, apply: (x) => x, invert: (x) => x };
    case 'flip':
      return { name, apply: (x) => x.flip(2), invert: (x) => x.flip(2) };
    case 'rot90':
      return { name, apply: (x) => x.flip(3).transpose(2, 3), invert: (x) => x.transpose(2, 3).flip(3) };
    case 'rot180':
      return { name, apply: (x) => x.flip([2, 3]), invert: (x) => x.flip([2, 3]) };
    case 'negate':
      return { name, apply: (x) => x.neg(), invert: (x) => x.neg() };
  }
}
