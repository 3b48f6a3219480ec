// The diffusion training loss, through the same denoiser the samplers call (as EDM's loss calls its D): noise a
// clean batch at one random time per row, x = x0 + sigma eps in the denoiser's frame, and weight the squared error
// of its x0 estimate so that each row's loss is the objective's squared error (diffusion/objectives.ts). With an
// eps-network and the eps objective this is DDPM's Algorithm 1.
import type { BatchRandom, Tensor } from '../engine/index.js';
import {
  noiseLevel,
  perRow,
  sampleTimes,
  x0Weight,
  type Cond,
  type NoiseLevelDraw,
  type Objective,
} from '../diffusion/index.js';
import type { Denoiser } from '../denoisers/index.js';

export interface LossOptions {
  /** Space of the squared error (diffusion/objectives.ts defaultObjective: the network's prediction's own). */
  objective: Objective;
  /** Min-SNR-gamma weighting (Hang et al. 2023): weight min(SNR, gamma) in x0 space. Default: off. */
  minSnrGamma?: number;
  /** How the noise levels are drawn (diffusion/objectives.ts). Default 'uniform' times. */
  noiseLevels?: NoiseLevelDraw;
  /** Times, then noise, are drawn from it (per sample with a PerSampleRng: the same whatever the batch split). */
  rng: BatchRandom;
  /** Condition for the batch. Default null. */
  cond?: Cond;
}

/** The per-row loss [B] of a denoiser on clean x0: the weighted mean squared error over each row's elements. */
export function diffusionLoss(d: Denoiser, x0: Tensor, o: LossOptions): Tensor {
  const s = d.schedule;
  const t = sampleTimes(s, x0.shape[0]!, o.rng, o.noiseLevels);
  const noise = o.rng.randn(x0.shape, { dtype: x0.dtype === 'float64' ? 'float64' : 'float32', device: x0.device });
  const levels = t.map((ti) => noiseLevel(s, ti)); // sigma_t / alpha_t, float64 on the host
  const x = x0.add(noise.mul(perRow(levels, x0))); // x_t / alpha_t = x0 + level eps
  const dims = Array.from({ length: x0.rank - 1 }, (_, i) => i + 1);
  const mse = d
    .denoise(x, levels, o.cond ?? null)
    .sub(x0)
    .square()
    .mean(dims); // [B]
  return mse.mul(
    perRow(
      t.map((ti) => x0Weight(s, ti, o)),
      mse,
    ),
  );
}
