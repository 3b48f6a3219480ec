// Exponential moving average of the weights (used for sampling by default). The decay per step follows from a
// half-life counted in training images, as in EDM (Karras et al. 2022, training/training_loop.py), with a ramp-up
// so that early, fast-changing weights are not averaged over a window longer than the run so far.
import { keep, lerpAllInPlace, noGrad, type Tensor } from '../engine/index.js';

export interface EmaOptions {
  /** Images after which an old weight's share has halved. */
  emaHalfLifeImages: number;
  /** The half-life is at most this fraction of the images seen so far (0 disables the ramp-up). */
  emaRampUpRatio: number;
}

/** The per-step decay beta for a step of `batchSize` images after `imagesSeen` images. */
export function emaDecay(imagesSeen: number, batchSize: number, o: EmaOptions): number {
  let halfLife = o.emaHalfLifeImages;
  if (o.emaRampUpRatio > 0) halfLife = Math.min(halfLife, imagesSeen * o.emaRampUpRatio);
  return halfLife <= 0 ? 0 : 0.5 ** (batchSize / halfLife);
}

/** ema <- beta * ema + (1 - beta) * param, for matching lists of tensors. */
export function emaUpdate(ema: readonly Tensor[], params: readonly Tensor[], beta: number): void {
  lerpAllInPlace(ema, params, 1 - beta);
}

/** Detached copies of tensors (the EMA's starting point). */
export function copies(ts: readonly Tensor[]): Tensor[] {
  return noGrad(() => ts.map((t) => keep(t.detach().clone())));
}
