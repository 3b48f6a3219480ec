// Training objectives as schedule math: the times a loss draws and the weight each objective gives a row's error.
// The loss itself (train/loss.ts) measures the denoiser's x0 error; an objective's squared error is an exact
// multiple of it, because every prediction is an affine function of x0 at fixed x_t (conversions.ts):
//   eps:  ||eps_hat - eps||^2 = (alpha^2 / sigma^2) ||x0_hat - x0||^2
//   v:    ||v_hat - v||^2     = ((alpha^2 + sigma^2)^2 / sigma^2) ||x0_hat - x0||^2
//   edm:  ||F_hat - F||^2     = (1 / c_out^2) ||x0_hat - x0||^2, EDM's lambda(sigma) (Karras et al. 2022, eq. 8)
// DDPM's Algorithm 1 is the eps objective; the VE denoising score matching loss of the score-based tutorial,
// ||sigma_t s(x + sigma_t z, t) + z||^2, is the eps objective too (sigma_t s = -eps exactly).
import { Tensor, type BatchRandom } from '../engine/index.js';
import { EDM_SIGMA_DATA, type Prediction } from './conversions.js';
import type { Schedule } from './schedules.js';

/** The parts of a condition, each with one row per image; a part left out is the model's null one. */
export interface CondParts {
  /** Class ids [B] (int64). */
  classes?: Tensor;
  /** Condition vectors [B, D] or sequences [B, L, D] (text-style embeddings). */
  embedding?: Tensor;
  /** Token ids [B, L] (int64) of a prompt, for a model with a text encoder (networks/tokenizer.ts). */
  tokens?: Tensor;
}

/** A condition for a network: class ids [B] (int64), its parts, or null for "no condition". */
export type Cond = Tensor | CondParts | null;

/** A condition as its parts (class ids alone are `{ classes }`; null has none). */
export function condParts(c: Cond): CondParts {
  return c === null ? {} : c instanceof Tensor ? { classes: c } : c;
}

/**
 * A raw network: x_t in the schedule's own frame, times [B] as networkTime gives them (t / tMax, in [0, 1]), a
 * condition; it returns its prediction. Networks know nothing of noise.
 */
export type NetworkFn = (x: Tensor, t: Tensor, cond: Cond) => Tensor;

/** The space a loss measures its squared error in. */
export type Objective = 'eps' | 'x0' | 'v' | 'edm';

/** The objectives, in the order the CLI lists them. */
export const objectiveNames: readonly Objective[] = ['eps', 'x0', 'v', 'edm'];

/**
 * How a loss draws its noise levels: 'uniform' times of the schedule (DDPM Algorithm 1), or EDM's 'lognormal'
 * levels, ln sigma ~ N(-1.2, 1.2^2) (Karras et al. 2022, Table 1), as times of the schedule within its range.
 */
export type NoiseLevelDraw = 'uniform' | 'lognormal';
export const noiseLevelDraws: readonly NoiseLevelDraw[] = ['uniform', 'lognormal'];
const EDM_P_MEAN = -1.2,
  EDM_P_STD = 1.2;

/** The objective of a network trained without one named: its prediction's own space ('eps' for the scores). */
export function defaultObjective(prediction: Prediction): Objective {
  return prediction === 'score' || prediction === 'scaled-score' ? 'eps' : prediction;
}

/** One time per row: uniform over 1..T for discrete schedules (DDPM Algorithm 1), uniform on [tMin, tMax] otherwise. */
export function sampleTimes(s: Schedule, n: number, rng: BatchRandom, draw: NoiseLevelDraw = 'uniform'): number[] {
  const T = s.numTimesteps;
  if (draw === 'lognormal') {
    const u1 = rng.uniforms(n),
      u2 = rng.uniforms(n);
    return Array.from(u1, (u, i) => {
      const z = Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * u2[i]!); // Box-Muller
      const t = s.timeAt(Math.exp(EDM_P_MEAN + EDM_P_STD * z));
      return T !== null ? Math.min(T, Math.max(1, Math.round(t))) : Math.min(s.tMax, Math.max(s.tMin, t));
    });
  }
  return Array.from(rng.uniforms(n), (u) => (T !== null ? 1 + Math.floor(u * T) : s.tMin + (s.tMax - s.tMin) * u));
}

export interface WeightOptions {
  /** Space of the squared error. */
  objective: Objective;
  /**
   * Min-SNR-gamma weighting (Hang et al. 2023): the weight in x0 space is min(SNR, gamma) with
   * SNR = alpha^2 / sigma^2, whatever the objective. Default: off (the objective's own weight).
   */
  minSnrGamma?: number;
}

/** The weight w at time t of ||x0_hat - x0||^2 that makes it the objective's squared error (or min-SNR's). */
export function x0Weight(s: Schedule, t: number, o: WeightOptions): number {
  const a = s.alpha(t),
    b = s.sigma(t),
    snr = (a * a) / (b * b);
  if (o.minSnrGamma !== undefined) return Math.min(snr, o.minSnrGamma);
  if (o.objective === 'x0') return 1;
  if (o.objective === 'eps') return snr;
  if (o.objective === 'edm') return snr + 1 / EDM_SIGMA_DATA ** 2; // 1 / c_out^2 = (sigma^2 + sd^2) / (sigma sd)^2
  return (a * a + b * b) ** 2 / (b * b);
}
