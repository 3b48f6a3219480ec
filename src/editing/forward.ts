// The forward process as pictures: one image noised to several times, in the schedule's own frame
// x_t = alpha_t x0 + sigma_t eps (what a VP model sees; the "noisier and noisier" strip).
import type { RandomSource, Tensor } from '../engine/index.js';
import { addNoise, type Schedule } from '../diffusion/index.js';

/** image (1, C, H, W) in [-1, 1] -> (T, C, H, W): row j is x at times[j], each row with its own noise. */
export function forwardStrip(s: Schedule, image: Tensor, o: { times: readonly number[]; rng: RandomSource }): Tensor {
  if (image.rank !== 4 || image.shape[0] !== 1)
    throw new Error(`forwardStrip: expected one image (1, C, H, W), got [${image.shape.join(', ')}]`);
  for (const t of o.times) {
    if (!(t >= 0 && t <= s.tMax)) throw new Error(`forwardStrip: time ${t} is outside [0, ${s.tMax}] of ${s.name}`);
  }
  const x0 = image.expand([o.times.length, ...image.shape.slice(1)]);
  return addNoise(s, { x0, t: o.times, noise: o.rng.randn(x0.shape) });
}
