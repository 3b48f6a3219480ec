// The single-step denoiser of the teaching project (part 1): a network trained to map z = x + sigma eps back to
// x at ONE fixed sigma (default 0.5), with the L2 loss ||D(z) - x||^2, then tried across other noise levels to
// show that it works best near the level it was trained at. Not a diffusion model: no schedule, no sampling.
import { cat, mseLoss, noGrad, tensor, tidy, type BatchRandom, type Rng, type Tensor } from '../engine/index.js';
import { imageGrid, type RgbaImage } from '../io/index.js';
import type { NetworkFn } from '../diffusion/index.js';
import type { Network } from '../networks/index.js';

/** The noise levels the teaching project tests a single-step denoiser at. */
export const singleStepTestSigmas: readonly number[] = [0, 0.2, 0.4, 0.6, 0.8, 1.0];

/** The network's time input for a denoiser at noise level sigma (a plain number; `timeInput: 'none'` ignores it). */
const sigmaTime = (sigma: number, n: number, like: Tensor) => tensor(new Float32Array(n).fill(sigma), [n], like.device);

/** Per-row loss [B] of the single-step objective at noise level sigma. */
export function singleStepLoss(net: NetworkFn, x: Tensor, sigma: number, rng: BatchRandom, cond: Tensor | null): Tensor {
  const n = x.shape[0]!;
  const z = x.add(rng.randn(x.shape).mul(sigma)); // (N, C, H, W)
  const out = net(z, sigmaTime(sigma, n, x), cond);
  return mseLoss(out, x, 'none').mean([1, 2, 3]);
}

export interface SingleStepSweep {
  /** Mean squared error (images in [-1, 1]) of the denoised images at each sigma, and of the noisy input. */
  rows: { sigma: number; mseNoisy: number; mseDenoised: number }[];
  /** Rows of noisy / denoised images per sigma, clean images on top. */
  figure: RgbaImage;
}

/**
 * Tries a single-step denoiser on clean images x at each sigma (the network keeps its trained level as time
 * input: it was trained for one level only). eval mode; draws the noise from rng.
 */
export function singleStepSweep(net: Network, x: Tensor, trainedSigma: number, rng: Rng,
  sigmas: readonly number[] = singleStepTestSigmas): SingleStepSweep {
  return noGrad(() => tidy(() => {
    const n = x.shape[0]!;
    const rows: SingleStepSweep['rows'] = [];
    const strips: Tensor[] = [x];
    for (const sigma of sigmas) {
      const z = x.add(rng.randn(x.shape).mul(sigma));
      const d = net.forward(z, sigmaTime(trainedSigma, n, x), {});
      rows.push({ sigma, mseNoisy: mseLoss(z, x).item(), mseDenoised: mseLoss(d, x).item() });
      strips.push(z, d);
    }
    return { rows, figure: imageGrid(cat(strips), { nrow: n, scale: 2 }) };
  }));
}
