// A trained network as a denoiser: the schedule maps the noise level to the network's time and input scale, and
// the prediction type is converted to x0 (diffusion/conversions.ts, the one place that knows how).
import type { Tensor } from '../engine/index.js';
import {
  networkInput,
  networkTime,
  perRow,
  toX0,
  type Cond,
  type NetworkFn,
  type Prediction,
  type Schedule,
} from '../diffusion/index.js';
import type { Denoiser, ImageValues, NoiseLevels } from './denoiser.js';

export interface NetworkDenoiserOptions {
  /** The schedule the network was trained with. */
  schedule: Schedule;
  /** What the network outputs. */
  prediction: Prediction;
  /**
   * Clamp the x0 estimate to this range: the data's own range for images ([-1, 1]), as DDPM's reference sampler
   * does ("clip_denoised"). At high noise an eps-network's x0 = (x_t - sigma eps) / alpha amplifies its errors by
   * sigma/alpha (150 at t = T on the linear schedule) and an unclamped sampler saturates. Training passes none:
   * the clamp would cut the loss's gradient. Default (or null): no clamp.
   */
  clipX0?: readonly [number, number] | null;
  /** The mean of the training data, where samplers start (Denoiser.priorMean). Default: none (0). */
  priorMean?: ImageValues | null;
  /** The data's spread along its main directions (Denoiser.priorSpread); read only with priorMean. Default: none. */
  priorSpread?: ImageValues | null;
}

/** Wraps a network (x_t, t, cond) -> prediction as a denoiser (x, sigma, cond) -> x0. */
export function fromNetwork(net: NetworkFn, o: NetworkDenoiserOptions): Denoiser {
  const s = o.schedule,
    clip = o.clipX0 ?? null;
  return {
    schedule: s,
    ...(o.priorMean ? { priorMean: o.priorMean } : {}),
    ...(o.priorMean && o.priorSpread ? { priorSpread: o.priorSpread } : {}),
    denoise(x: Tensor, sigma: NoiseLevels, cond: Cond): Tensor {
      // Times in float64 on the host: discrete VP models get integer t exactly when sigma lies on their grid.
      const levels = typeof sigma === 'number' ? new Array<number>(x.shape[0]!).fill(sigma) : sigma;
      const t = levels.map((l) => s.timeAt(l));
      const a = perRow(
          t.map((ti) => s.alpha(ti)),
          x,
        ),
        b = perRow(
          t.map((ti) => s.sigma(ti)),
          x,
        );
      const xt = x.mul(a); // alpha (x0 + level eps) = alpha x0 + sigma eps: the network's own frame
      const pred = net(networkInput(o.prediction, xt, { a, b }), networkTime(s, t, x), cond);
      const x0 = toX0(o.prediction, pred, xt, { a, b });
      return clip ? x0.clamp(clip[0], clip[1]) : x0;
    },
  };
}
