// The learning-rate schedule: linear warm-up, then cosine or exponential decay (or constant).
export interface LrScheduleOptions {
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warm-up from 0 to lr. Default 0 (as given by the trainer config). */
  lrWarmupSteps: number;
  /**
   * After warm-up: 'cosine' to lrMinFactor * lr at totalSteps; 'exponential' by the same factor over the run,
   * a constant ratio per step (the seeds' ExponentialLR with gamma = factor^(1 / epochs)); 'linear' from lr
   * towards 0 over the run, never below lrMinFactor * lr (seed 000's LambdaLR(max(0.2, 1 - epoch / n)) with
   * lrMinFactor 0.2, per step rather than per epoch); or 'constant'.
   */
  lrDecay: 'cosine' | 'exponential' | 'linear' | 'constant';
  /** Total steps (the end of the cosine). */
  totalSteps: number;
  /** The learning rate at totalSteps as a fraction of lr. */
  lrMinFactor: number;
}

/** The learning rate for 1-based `step`. */
export function learningRate(step: number, o: LrScheduleOptions): number {
  if (step <= o.lrWarmupSteps) return (o.lr * step) / Math.max(1, o.lrWarmupSteps);
  const since = step - o.lrWarmupSteps;
  const f = Math.min(1, since / Math.max(1, o.totalSteps - o.lrWarmupSteps)); // fraction of the decay done
  switch (o.lrDecay) {
    case 'constant':
      return o.lr;
    case 'exponential':
      return o.lr * o.lrMinFactor ** f;
    case 'linear':
      return o.lr * Math.max(o.lrMinFactor, 1 - f);
    case 'cosine':
      return o.lr * (o.lrMinFactor + (1 - o.lrMinFactor) * 0.5 * (1 + Math.cos(Math.PI * f)));
  }
}
