// The forward process at the tensor boundary: noising x0 to time t, and the Gaussian posterior
// q(x_s | x_t, x0) for any s < t that ancestral samplers and iterative denoising step with.
import { tensor, type Scalar, type Tensor } from '../engine/index.js';
import type { Schedule } from './schedules.js';

/** One time for the whole batch, or one per row. */
export type Times = number | readonly number[];

/**
 * The time a network is shown for schedule times t: t / tMax, in [0, 1] for every schedule (discrete VP: t/T).
 * One range for all schedules lets the networks' time features (sinusoids of 1000 t, Fourier features) stay
 * well-conditioned: raw discrete times 1..1000 times that scale reached 1e6 radians, where float32 sines are
 * noise and fractional times between training steps (few-step samplers) land on unrelated features.
 */
export function networkTime(s: Schedule, t: readonly number[], like: Tensor): Tensor {
  const data = t.map((ti) => ti / s.tMax);
  return tensor(like.dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data), [t.length], like.device);
}

/** Per-row values as a tensor shaped [B, 1, ..., 1] that broadcasts against `like` (or the number itself). */
export function perRow(values: number | ArrayLike<number>, like: Tensor): Scalar {
  if (typeof values === 'number') return values;
  if (values.length !== like.shape[0]) {
    throw new Error(`perRow: ${values.length} values for a batch of ${like.shape[0]}`);
  }
  const data = like.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return tensor(data, [values.length, ...like.shape.slice(1).map(() => 1)], like.device);
}

const map = (t: Times, f: (t: number) => number): number | number[] => (typeof t === 'number' ? f(t) : t.map(f));

/** x_t = alpha(t) x0 + sigma(t) noise (DDPM eq. 4 for VP; x0 + sigma_t z for VE). t per batch or per row. */
export function addNoise(s: Schedule, q: { x0: Tensor; t: Times; noise: Tensor }): Tensor {
  const a = perRow(
    map(q.t, (t) => s.alpha(t)),
    q.x0,
  );
  const b = perRow(
    map(q.t, (t) => s.sigma(t)),
    q.x0,
  );
  return q.x0.mul(a).add(q.noise.mul(b));
}

/** A Gaussian N(mean, std^2 I). */
export interface GaussianStep {
  mean: Tensor;
  std: number;
}

/**
 * q(x_s | x_t, x0) for s < t (Kingma et al. 2021, eq. 29-30): with alpha_ts = alpha_t / alpha_s and
 * sigma_ts^2 = sigma_t^2 - alpha_ts^2 sigma_s^2,
 *   mean = alpha_ts sigma_s^2 / sigma_t^2 x_t + alpha_s sigma_ts^2 / sigma_t^2 x0,  var = sigma_ts^2 sigma_s^2 / sigma_t^2.
 * For VP this is DDPM eq. 7 with beta_t replaced by 1 - alpha_bar_t / alpha_bar_s (the strided posterior of
 * iterative denoising); with s = t - 1 it is DDPM's posterior exactly.
 */
export function posterior(sch: Schedule, q: { xt: Tensor; x0: Tensor; t: number; s: number }): GaussianStep {
  if (!(q.s < q.t)) throw new Error(`posterior: need s < t, got s=${q.s}, t=${q.t}`);
  const [at, bt, as, bs] = [sch.alpha(q.t), sch.sigma(q.t), sch.alpha(q.s), sch.sigma(q.s)];
  const ats = at / as;
  const vts = bt * bt - ats * ats * bs * bs;
  const mean = q.xt.mul((ats * bs * bs) / (bt * bt)).add(q.x0.mul((as * vts) / (bt * bt)));
  return { mean, std: Math.sqrt(Math.max(0, (vts * bs * bs) / (bt * bt))) };
}

/** The variance DDPM's Algorithm 2 may use instead of the posterior's: beta_t = sigma_ts^2 (Ho et al. Sec. 3.2). */
export function forwardStepVariance(sch: Schedule, q: { t: number; s: number }): number {
  const ats = sch.alpha(q.t) / sch.alpha(q.s);
  return sch.sigma(q.t) ** 2 - ats * ats * sch.sigma(q.s) ** 2;
}
