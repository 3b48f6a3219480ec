// The learning-rate schedule: linear warm-up, then cosine or exponential decay (or constant).
export interface LrScheduleOptions {
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warm-up from 0 to lr. Default 0 (as given by the trainer config). */
  lrWarmupSteps: number;
  /** After warm-up: 'cosine' to lrMinFactor*lr at totalSteps, 'exponential' halving every lrHalfLifeSteps, or 'constant'. */
  lrDecay: 'cosine' | 'exponential' | 'constant';
  /** Total steps (the end of the cosine). */
  totalSteps: number;
  /** Floor of the cosine as a fraction of lr. */
  lrMinFactor: number;
  /** Half-life of the exponential decay, in steps. */
  lrHalfLifeSteps: number;
}

/** The learning rate for 1-based `step`. */
export function learningRate(step: number, o: LrScheduleOptions): number {
  if (step <= o.lrWarmupSteps) return (o.lr * step) / Math.max(1, o.lrWarmupSteps);
  const since = step - o.lrWarmupSteps;
  switch (o.lrDecay) {
    case 'constant': return o.lr;
    case 'exponential': return o.lr * 0.5 ** (since / o.lrHalfLifeSteps);
    case 'cosine': {
      const span = Math.max(1, o.totalSteps - o.lrWarmupSteps);
      const f = Math.min(1, since / span);
      return o.lr * (o.lrMinFactor + (1 - o.lrMinFactor) * 0.5 * (1 + Math.cos(Math.PI * f)));
    }
  }
}
