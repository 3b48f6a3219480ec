// Inpainting by replacement (RePaint, Lugmayr et al. 2022), as a per-step hook on any sampler: after every step
// the known region is overwritten with the input noised to the same level,
//   x <- m x + (1 - m) (x_orig + sigma eps),     m = 1 where the image is generated, 0 where it is kept,
// so at sigma = 0 the kept pixels equal the input exactly. RePaint's resampling (r > 1) re-noises the merged x
// back up one grid step and takes that step again, r - 1 times, to harmonise the two regions.
import { tidy, type Tensor } from '../engine/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { noiseLike } from '../samplers/index.js';
import { editGrid, type EditOptions } from './common.js';

export interface InpaintOptions extends EditOptions {
  /** (B or 1, 1 or C, H, W): 1 = generate, 0 = keep (values in between blend). */
  mask: Tensor;
  /** RePaint's r: times each step is taken (1 = no resampling). Default 1. */
  resampleSteps?: number;
}

/** Fills the masked region of images (B, C, H, W) in [-1, 1]; the rest is kept. */
export function inpaint(d: Denoiser, image: Tensor, o: InpaintOptions): Tensor {
  const sigmas = editGrid(d, o);
  const r = o.resampleSteps ?? 1;
  if (!Number.isInteger(r) || r < 1) throw new Error(`inpaint: resampleSteps must be a positive integer, got ${r}`);
  const [, , h, w] = image.shape;
  if (o.mask.rank !== 4 || o.mask.shape[2] !== h || o.mask.shape[3] !== w) {
    throw new Error(`inpaint: mask [${o.mask.shape.join(', ')}] does not match the image [${image.shape.join(', ')}]`);
  }
  const m = o.mask.to(image.dtype === 'float64' ? 'float64' : 'float32');
  const keepMask = m.neg().add(1);
  const merge = (x: Tensor, sigma: number): Tensor => {
    const known = sigma === 0 ? image : image.add(noiseLike(image, o.rng).mul(sigma));
    return x.mul(m).add(known.mul(keepMask));
  };
  const base = { rng: o.rng, sigmas, cond: o.cond ?? null };
  try {
    return o.sampler(d, image.shape, {
      ...base,
      onStep(info) {
        let x = merge(info.x, info.sigma);
        for (let j = 1; j < r; j++) {
          const up = Math.sqrt(sigmas[info.step]! ** 2 - info.sigma ** 2); // forward transition sigma_{i+1} -> sigma_i
          const again = tidy(() => x.add(noiseLike(x, o.rng).mul(up)));
          x = merge(
            o.sampler(d, image.shape, { ...base, start: { x: again, step: info.step }, stop: info.step + 1 }),
            info.sigma,
          );
        }
        o.onStep?.({ ...info, x });
        return x;
      },
    });
  } finally {
    m.dispose();
    keepMask.dispose();
  }
}
