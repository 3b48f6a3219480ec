// Training objectives: noise a clean batch at one random time per row, ask the network, and measure its error in
// the chosen space. DDPM's Algorithm 1 is { prediction: 'eps' }; the VE denoising score matching loss of the
// score-based tutorial, ||sigma_t s(x + sigma_t z, t) + z||^2, is { prediction: 'score' } (measured in eps space,
// since sigma_t s = -eps exactly: its weighting lambda(t) = sigma_t^2 is built in).
import { tensor, type BatchRandom, type Tensor } from '../engine/index.js';
import { fromX0, toX0, type Prediction } from './conversions.js';
import { addNoise, networkTime, perRow } from './forward.js';
import type { Schedule } from './schedules.js';

/** A condition for a network: class ids [B] (int64), an embedding, or null for "no condition". */
export type Cond = Tensor | null;

/**
 * A raw network: x_t in the schedule's own frame, times [B] as networkTime gives them (t / tMax, in [0, 1]), a
 * condition; it returns its prediction. Networks know nothing of noise.
 */
export type NetworkFn = (x: Tensor, t: Tensor, cond: Cond) => Tensor;

/** The space the error is measured in; the network's prediction is converted to it exactly. */
export type Objective = 'eps' | 'x0' | 'v';

export interface LossOptions {
  /** The forward process the network is trained for. */
  schedule: Schedule;
  /** What the network outputs. */
  prediction: Prediction;
  /** Space of the squared error. Default: the prediction's own ('eps' for 'score'). */
  objective?: Objective;
  /** Noise and times are drawn from it (per sample with a PerSampleRng: the same whatever the batch split). */
  rng: BatchRandom;
  /** Condition for the batch. Default null. */
  cond?: Cond;
  /**
   * Min-SNR-gamma weighting (Hang et al. 2023): the loss is reweighted so that its weight in x0 space is
   * min(SNR, gamma) with SNR = alpha^2 / sigma^2. Default: off (weight 1 in the objective's space).
   */
  minSnrGamma?: number;
}

/** One time per row: uniform over 1..T for discrete schedules (DDPM Algorithm 1), uniform on [tMin, tMax] otherwise. */
export function sampleTimes(s: Schedule, n: number, rng: BatchRandom): number[] {
  const T = s.numTimesteps;
  return Array.from(rng.uniforms(n), (u) => (T !== null ? 1 + Math.floor(u * T) : s.tMin + (s.tMax - s.tMin) * u));
}

/** The weight in x0 space that an objective implies: ||pred - target||^2 = w * ||x0_hat - x0||^2. */
function x0Weight(objective: Objective, a: number, b: number): number {
  if (objective === 'x0') return 1;
  if (objective === 'eps') return (a * a) / (b * b);
  return (a * a + b * b) ** 2 / (b * b);
}

/** The per-row loss [B]: the mean squared error over each row's elements, weighted per options. */
export function diffusionLoss(net: NetworkFn, x0: Tensor, o: LossOptions): Tensor {
  const s = o.schedule, n = x0.shape[0]!;
  const objective: Objective = o.objective ?? (o.prediction === 'score' ? 'eps' : o.prediction);
  const t = sampleTimes(s, n, o.rng);
  const noise = o.rng.randn(x0.shape, { dtype: x0.dtype === 'float64' ? 'float64' : 'float32', device: x0.device });
  const xt = addNoise(s, { x0, t, noise });
  const ta = t.map((ti) => s.alpha(ti)), tb = t.map((ti) => s.sigma(ti));
  const c = { a: perRow(ta, x0), b: perRow(tb, x0) };
  const out = net(xt, networkTime(s, t, x0), o.cond ?? null);
  // Compare in the objective's space: the network's output converted, against the true (x0, noise) target.
  const pred = objective === o.prediction ? out : fromX0(objective, toX0(o.prediction, out, xt, c), xt, c);
  const target = objective === 'x0' ? x0 : objective === 'eps' ? noise : noise.mul(c.a).sub(x0.mul(c.b));
  const dims = Array.from({ length: x0.rank - 1 }, (_, i) => i + 1);
  const perElement = pred.sub(target).square().mean(dims);
  if (o.minSnrGamma === undefined) return perElement;
  const gamma = o.minSnrGamma;
  const w = ta.map((a, i) => Math.min((a * a) / (tb[i]! ** 2), gamma) / x0Weight(objective, a, tb[i]!));
  return perElement.mul(perRow(w, perElement));
}
