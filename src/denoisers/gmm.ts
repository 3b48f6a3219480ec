// An analytic model: data from a mixture of isotropic Gaussians, sum_k w_k N(mu_k, s_k^2 I), and its exact
// denoiser. Noising x = x0 + sigma eps keeps it a mixture, sum_k w_k N(mu_k, (s_k^2 + sigma^2) I), so
//   E[x0 | x] = sum_k r_k(x) (mu_k + s_k^2 / (s_k^2 + sigma^2) (x - mu_k)),
//   r_k(x) proportional to w_k N(x; mu_k, (s_k^2 + sigma^2) I)   (the responsibility of component k).
// In the denoiser frame this holds for every schedule, so the same function is exact for VP, VE and EDM models.
import { softmax, tensor, type Rng, type Tensor } from '../engine/index.js';
import { condParts, perRow, type Cond, type Schedule } from '../diffusion/index.js';
import type { Denoiser, NoiseLevels } from './denoiser.js';

/** A Gaussian mixture with isotropic components in any dimension (the `gmm:mixture.json` format). */
export interface GaussianMixture {
  /** Component weights, positive, summing to 1. */
  weights: number[];
  /** Component means, K rows of dimension d. */
  means: number[][];
  /** Per-component standard deviations, positive. */
  stds: number[];
  /** Class id of each component (what a condition selects). Default: the component's index. */
  labels?: number[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Bounds on a mixture's numbers. The denoiser works with squared distances and variances (||mu||^2, s^2 + sigma^2)
 * and writes float32 samples, so means beyond 1e6 or scales outside [1e-6, 1e6] overflow or vanish in places
 * (a mean of 1e308 wrote NaNs); no data set a diffusion sampler runs on has them.
 */
const MAX_ABS_MEAN = 1e6,
  STD_RANGE = [1e-6, 1e6] as const;
/** Components times dimensions: the mixture is held as host arrays and (K, d) tensors. */
const MAX_MIXTURE_NUMBERS = 1e8;

/** Checks a parsed JSON value and returns it as a mixture; the error names the first bad value. */
export function parseMixture(v: unknown): GaussianMixture {
  const m = v as Partial<GaussianMixture> | null;
  if (m === null || typeof m !== 'object' || Array.isArray(m))
    throw new Error('mixture must be an object {weights, means, stds}');
  const stray = Object.keys(m).find((k) => !['weights', 'means', 'stds', 'labels'].includes(k));
  if (stray !== undefined) throw new Error(`mixture has an unknown field '${stray}' (weights, means, stds, labels)`);
  const { weights, means, stds, labels } = m;
  if (!Array.isArray(weights) || weights.length === 0) throw new Error('mixture.weights must be a non-empty array');
  const K = weights.length;
  weights.forEach((w, k) => {
    if (!isNum(w) || w <= 0)
      throw new Error(`mixture.weights[${k}] must be a positive number, got ${JSON.stringify(w)}`);
  });
  const total = weights.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-6) throw new Error(`mixture.weights must sum to 1, got ${total}`);
  if (!Array.isArray(means) || means.length !== K)
    throw new Error(`mixture.means must have ${K} rows (one per weight)`);
  const d = Array.isArray(means[0]) ? means[0].length : 0;
  if (d === 0) throw new Error('mixture.means[0] must be a non-empty array of numbers');
  if (K * d > MAX_MIXTURE_NUMBERS)
    throw new Error(`mixture has ${K} components of dimension ${d}: over ${MAX_MIXTURE_NUMBERS} numbers`);
  means.forEach((row, k) => {
    if (!Array.isArray(row) || row.length !== d)
      throw new Error(`mixture.means[${k}] must have ${d} numbers (as means[0])`);
    row.forEach((x, j) => {
      if (!isNum(x) || Math.abs(x) > MAX_ABS_MEAN)
        throw new Error(
          `mixture.means[${k}][${j}] must be a number in [-${MAX_ABS_MEAN}, ${MAX_ABS_MEAN}], got ${JSON.stringify(x)}`,
        );
    });
  });
  if (!Array.isArray(stds) || stds.length !== K)
    throw new Error(`mixture.stds must have ${K} entries (one per weight)`);
  stds.forEach((s, k) => {
    if (!isNum(s) || s < STD_RANGE[0] || s > STD_RANGE[1])
      throw new Error(`mixture.stds[${k}] must be a number in [${STD_RANGE.join(', ')}], got ${JSON.stringify(s)}`);
  });
  if (
    labels !== undefined &&
    (!Array.isArray(labels) || labels.length !== K || !labels.every((l) => Number.isSafeInteger(l) && l >= 0))
  ) {
    throw new Error(`mixture.labels must be ${K} non-negative integers`);
  }
  return { weights, means, stds, ...(labels ? { labels } : {}) };
}

/** The dimension of the mixture's samples. */
export const mixtureDim = (m: GaussianMixture): number => m.means[0]!.length;
/** The class id of component k. */
const labelOf = (m: GaussianMixture, k: number): number => m.labels?.[k] ?? k;

/** n exact samples [n, d] and the component each came from. */
export function sampleMixture(
  m: GaussianMixture,
  n: number,
  rng: Rng,
  dtype: 'float32' | 'float64' = 'float64',
): { x: Tensor; components: Int32Array } {
  const d = mixtureDim(m),
    data = new Float64Array(n * d),
    components = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform(),
      k = 0;
    while (k < m.weights.length - 1 && u >= m.weights[k]!) u -= m.weights[k++]!;
    components[i] = k;
    const z = rng.normals(d);
    for (let j = 0; j < d; j++) data[i * d + j] = m.means[k]![j]! + m.stds[k]! * z[j]!;
  }
  return { x: tensor(dtype === 'float64' ? data : Float32Array.from(data), [n, d]), components };
}

/**
 * The exact denoiser of the mixture. A condition (class ids [B]) restricts the mixture to the components with
 * that label; null is the whole mixture. `schedule` only sets the samplers' default grid.
 */
export function gmmDenoiser(m: GaussianMixture, schedule: Schedule): Denoiser {
  const K = m.weights.length,
    d = mixtureDim(m);
  const meanData = Float64Array.from(m.means.flat());
  const halfNormSq = m.means.map((mu) => 0.5 * mu.reduce((a, x) => a + x * x, 0));
  return {
    schedule,
    denoise(x: Tensor, sigma: NoiseLevels, cond: Cond): Tensor {
      const B = x.shape[0]!,
        dt = x.dtype === 'float64' ? Float64Array : Float32Array;
      const flat = x.reshape([B, d]); // (B, d)
      const mu = tensor(dt.from(meanData), [K, d], x.device); // (K, d)
      const s2 = tensor(dt.from(m.stds.map((s) => s * s)), [1, K], x.device);
      const sigma2 = typeof sigma === 'number' ? sigma * sigma : sigma.map((l) => l * l); // float64 on the host
      const v = s2.add(perRow(sigma2, flat)); // (B, K) or (1, K): s_k^2 + sigma_b^2
      // -||x - mu_k||^2 / 2 = x.mu_k - ||mu_k||^2 / 2 - ||x||^2 / 2, as matmuls to keep memory at (B, K).
      const negHalfDist = flat
        .matmul(mu.transpose(0, 1))
        .sub(tensor(dt.from(halfNormSq), [1, K], x.device))
        .sub(flat.square().sum(1, true).mul(0.5));
      let logits = negHalfDist
        .div(v)
        .sub(v.log().mul(d / 2))
        .add(tensor(dt.from(m.weights.map(Math.log)), [1, K], x.device));
      // Responsibilities below e^-600 (float32: e^-60) change nothing, but as subnormal numbers they make the
      // CPU arithmetic many times slower: clip them before the mask's exact zeros go in.
      logits = logits.sub(logits.max(1, true)).clamp(x.dtype === 'float64' ? -600 : -60);
      const { classes, embedding } = condParts(cond);
      if (embedding) throw new Error('gmmDenoiser: a mixture is conditioned on class ids, not on embeddings');
      if (classes) logits = logits.add(classMask(m, classes, dt, x));
      const r = softmax(logits, 1); // (B, K) responsibilities
      const shrink = s2.div(v); // (B, K) or (1, K): s_k^2 / (s_k^2 + sigma^2)
      // sum_k r_k (c_k x + (1 - c_k) mu_k) = x sum_k r_k c_k + (r * (1 - c)) @ mu
      const x0 = flat.mul(r.mul(shrink).sum(1, true)).add(r.mul(shrink.neg().add(1)).matmul(mu));
      return x0.reshape(x.shape);
    },
  };
}

/** (B, K) additive mask: 0 where component k carries row b's class, -inf elsewhere. */
function classMask(
  m: GaussianMixture,
  cond: Tensor,
  dt: Float64ArrayConstructor | Float32ArrayConstructor,
  like: Tensor,
): Tensor {
  const ids = cond.toInt32Array(),
    K = m.weights.length;
  const mask = new dt(ids.length * K).fill(-Infinity);
  ids.forEach((c, b) => {
    let any = false;
    for (let k = 0; k < K; k++)
      if (labelOf(m, k) === c) {
        mask[b * K + k] = 0;
        any = true;
      }
    if (!any) throw new Error(`gmmDenoiser: no component has class ${c}`);
  });
  return tensor(mask, [ids.length, K], like.device);
}
