// Checks that samples follow a Gaussian mixture: each sample goes to its nearest component mean, then weights,
// means and covariances are compared with the truth within tolerances set by the sample size (z standard errors).
import assert from 'node:assert/strict';
import { Rng, type GaussianMixture, type Tensor } from '../src/index.js';

/** Standard errors allowed; with a few hundred checks per run, 5 keeps chance failures below 1e-3. */
const Z = 5;

export interface MixtureFit {
  weights: number[];
  means: number[][];
  /** Row-major d x d covariance per component. */
  covs: Float64Array[];
  counts: number[];
}

export function fitByNearestMean(m: GaussianMixture, samples: Tensor): MixtureFit {
  const x = samples.toFloat64Array(),
    K = m.weights.length,
    d = m.means[0]!.length,
    n = x.length / d;
  const counts = new Array<number>(K).fill(0);
  const sums = m.means.map(() => new Float64Array(d));
  const outer = m.means.map(() => new Float64Array(d * d));
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    let best = 0,
      bestDist = Infinity;
    m.means.forEach((mu, k) => {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (row[j]! - mu[j]!) ** 2;
      if (dist < bestDist) {
        bestDist = dist;
        best = k;
      }
    });
    counts[best]!++;
    // Centered on the true mean so that the covariance estimate needs no second pass.
    const c = row.map((v, j) => v - m.means[best]![j]!);
    for (let j = 0; j < d; j++) {
      sums[best]![j] += c[j]!;
      for (let l = 0; l < d; l++) outer[best]![j * d + l] += c[j]! * c[l]!;
    }
  }
  const means = sums.map((s, k) => Array.from(s, (v, j) => m.means[k]![j]! + v / counts[k]!));
  const covs = outer.map((o, k) =>
    o.map((v, jl) => {
      const [j, l] = [Math.floor(jl / d), jl % d];
      return v / counts[k]! - (sums[k]![j]! / counts[k]!) * (sums[k]![l]! / counts[k]!);
    }),
  );
  return { weights: counts.map((c) => c / n), means, covs, counts };
}

/** Asserts the fit is within Z standard errors of the mixture, entry by entry. Returns the largest |error| / SE. */
export function assertMatchesMixture(m: GaussianMixture, samples: Tensor, label: string): number {
  const fit = fitByNearestMean(m, samples),
    n = samples.shape[0]!,
    d = m.means[0]!.length;
  let worst = 0;
  const check = (what: string, got: number, want: number, se: number) => {
    const z = Math.abs(got - want) / se;
    worst = Math.max(worst, z);
    assert.ok(
      z <= Z,
      `${label}: ${what} = ${got.toFixed(4)}, want ${want.toFixed(4)} +- ${(Z * se).toFixed(4)} (${Z} SE)`,
    );
  };
  m.weights.forEach((w, k) => {
    const nk = fit.counts[k]!,
      s2 = m.stds[k]! ** 2;
    check(`weight[${k}]`, fit.weights[k]!, w, Math.sqrt((w * (1 - w)) / n));
    for (let j = 0; j < d; j++) check(`mean[${k}][${j}]`, fit.means[k]![j]!, m.means[k]![j]!, Math.sqrt(s2 / nk));
    for (let j = 0; j < d; j++) {
      for (let l = j; l < d; l++) {
        // Var of a sample covariance entry of N(0, s^2 I): 2 s^4 / n on the diagonal, s^4 / n off it.
        check(
          `cov[${k}][${j},${l}]`,
          fit.covs[k]![j * d + l]!,
          j === l ? s2 : 0,
          s2 * Math.sqrt((j === l ? 2 : 1) / nk),
        );
      }
    }
  });
  return worst;
}

/** The 2-D test mixture: three well-separated components of different widths. */
export const mixture2d: GaussianMixture = {
  weights: [0.5, 0.3, 0.2],
  means: [
    [-2, -1],
    [2, -1],
    [0, 2],
  ],
  stds: [0.3, 0.4, 0.25],
};

/** The 16-D test mixture: four components with seeded random means (pairwise distances around 6). */
export const mixture16d: GaussianMixture = (() => {
  const rng = new Rng(16);
  return {
    weights: [0.3, 0.3, 0.2, 0.2],
    means: Array.from({ length: 4 }, () => Array.from(rng.normals(16), (v) => 1.2 * v)),
    stds: [0.5, 0.4, 0.6, 0.3],
  };
})();
