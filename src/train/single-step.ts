// The single-step denoiser of the teaching project (part 1): a network trained to map z = x + sigma eps back to
// x at ONE fixed sigma (the seeds' 0.5 on [0, 1] pixels, 1.0 on difflab's [-1, 1] data), with the L2 loss ||D(z) - x||^2, then tried across other noise levels to
// show that it works best near the level it was trained at. Not a diffusion model: no schedule, no sampling.
import { cat, mseLoss, noGrad, tensor, tidy, type BatchRandom, type Rng, type Tensor } from '../engine/index.js';
import { labelledGrid, type RgbaImage } from '../io/index.js';
import type { Cond, NetworkFn } from '../diffusion/index.js';
import type { Network } from '../networks/index.js';

/**
 * The noise levels the teaching project tests a single-step denoiser at, on its [0, 1] pixel scale. difflab's
 * images live on [-1, 1], where the same noise is twice as large: data sigma = PIXEL_TO_DATA_SIGMA x level.
 */
export const singleStepTestSigmas: readonly number[] = [0, 0.2, 0.4, 0.6, 0.8, 1.0];
export const PIXEL_TO_DATA_SIGMA = 2;

/** The network's time input for a denoiser at noise level sigma (a plain number; `timeInput: 'none'` ignores it). */
const sigmaTime = (sigma: number, n: number, like: Tensor) => tensor(new Float32Array(n).fill(sigma), [n], like.device);

/** Per-row loss [B] of the single-step objective at noise level sigma (data units). */
export function singleStepLoss(net: NetworkFn, x: Tensor, sigma: number, rng: BatchRandom, cond: Cond): Tensor {
  const n = x.shape[0]!;
  const z = x.add(rng.randn(x.shape).mul(sigma)); // (N, C, H, W)
  const out = net(z, sigmaTime(sigma, n, x), cond);
  return mseLoss(out, x, 'none').mean([1, 2, 3]);
}

export interface SingleStepSweep {
  /** Per level (on [0, 1] pixels): the mean squared error (on [-1, 1] data) of the noisy and the denoised images. */
  rows: { level: number; mseNoisy: number; mseDenoised: number }[];
  /** The clean images, then noisy and denoised rows per level, each row labelled with its level. */
  figure: RgbaImage;
}

/**
 * Tries a single-step denoiser (trained at data sigma `trainedSigma`) on clean images x at each level, given on
 * the seeds' [0, 1] pixel scale; the network keeps its trained level as time input. eval mode; noise from rng.
 */
export function singleStepSweep(
  net: Network,
  x: Tensor,
  trainedSigma: number,
  rng: Rng,
  levels: readonly number[] = singleStepTestSigmas,
  o: { title?: string; scale?: number } = {},
): SingleStepSweep {
  return noGrad(() =>
    tidy(() => {
      const n = x.shape[0]!;
      const rows: SingleStepSweep['rows'] = [];
      const strips: Tensor[] = [x],
        labels = ['clean'];
      for (const level of levels) {
        const z = x.add(rng.randn(x.shape).mul(level * PIXEL_TO_DATA_SIGMA));
        const d = net.forward(z, sigmaTime(trainedSigma, n, x), {});
        rows.push({ level, mseNoisy: mseLoss(z, x).item(), mseDenoised: mseLoss(d, x).item() });
        strips.push(z, d);
        labels.push(`noisy ${level}`, `out ${level}`);
      }
      return {
        rows,
        figure: labelledGrid(cat(strips), {
          nrow: n,
          scale: o.scale ?? 2,
          rows: labels,
          ...(o.title ? { title: o.title } : {}),
        }),
      };
    }),
  );
}
