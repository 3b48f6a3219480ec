// Distances between two sets of feature vectors (rows of (N, d) tensors), all computed in float64:
//   FID  (Heusel et al. 2017): ||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), the Frechet distance of
//        Gaussians fitted to the two sets. The matrix square root is taken of the symmetric PSD form
//        S1^1/2 S2 S1^1/2 by eigendecomposition (its trace equals tr((S1 S2)^1/2)), which stays real and stable
//        where the square root of the non-symmetric S1 S2 needs complex arithmetic.
//   KID  (Binkowski et al. 2018): the unbiased MMD^2 with the cubic kernel k(x, y) = (x.y / d + 1)^3, averaged
//        over random subsets; unbiased, so it is near 0 (and may be slightly negative) for equal distributions.
//   Precision / recall (Kynkaenniemi et al. 2019): the share of one set inside the other's k-NN manifold (the
//        union of balls around each point reaching its k-th nearest neighbour).
import { cat, eigh, noGrad, tensor, tidy, type Rng, type Tensor } from '../engine/index.js';

/** The Gaussian fitted to a feature set: plain arrays, so stats can be stored and compared anywhere. */
export interface FeatureStats {
  /** Number of feature vectors. */
  n: number;
  /** Feature dimension. */
  d: number;
  /** Mean (d). */
  mean: Float64Array;
  /** Unbiased covariance (d x d, row-major). */
  cov: Float64Array;
}

/** Mean and covariance of features (N, d), N >= 2. */
export function featureStats(features: Tensor): FeatureStats {
  const [n, d] = features.shape as [number, number];
  if (features.rank !== 2 || n < 2)
    throw new Error(`featureStats: expected (N >= 2, d) features, got [${features.shape.join(', ')}]`);
  return noGrad(() =>
    tidy(() => {
      const x = features.to('float64');
      const mean = x.mean(0, true); // (1, d)
      const centred = x.sub(mean);
      const cov = centred
        .transpose(0, 1)
        .matmul(centred)
        .div(n - 1); // (d, d)
      return { n, d, mean: mean.toFloat64Array(), cov: cov.toFloat64Array() };
    }),
  );
}

/** V diag(f(lambda)) V^T of a symmetric matrix, with the eigenvalues clipped at 0 (round-off makes PSD ones dip below). */
function psdFunction(a: Tensor, f: (lambda: Tensor) => Tensor): Tensor {
  const { values, vectors } = eigh(a.add(a.transpose(0, 1)).mul(0.5));
  return vectors.mul(f(values.clamp(0)).unsqueeze(0)).matmul(vectors.transpose(0, 1));
}

/**
 * Why metrics over n samples of featureDim features mislead, or null when they do not: below the dimension the
 * feature covariances are singular, so FID is biased far upward (491 at n = 2) and KID's subsets are tiny.
 */
export function sampleSizeWarning(n: number, featureDim: number): string | null {
  if (n >= featureDim) return null;
  return (
    `n = ${n} is below the ${featureDim} feature dimensions: the covariances are singular, so FID is biased high and KID noisy ` +
    `(use n >= ${featureDim}, and 10000 for numbers to report)`
  );
}

/** The Frechet distance between the Gaussians of two feature sets (>= 0). */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  if (a.d !== b.d) throw new Error(`frechetDistance: feature dimensions differ (${a.d} vs ${b.d})`);
  const d = a.d;
  return noGrad(() =>
    tidy(() => {
      const s1 = tensor(a.cov, [d, d]),
        s2 = tensor(b.cov, [d, d]);
      const root1 = psdFunction(s1, (l) => l.sqrt()); // S1^1/2
      const m = root1.matmul(s2).matmul(root1); // S1^1/2 S2 S1^1/2: symmetric PSD
      const traceRoot = eigh(m.add(m.transpose(0, 1)).mul(0.5))
        .values.clamp(0)
        .sqrt()
        .sum()
        .item();
      let meanTerm = 0,
        trace = 0;
      for (let i = 0; i < d; i++) {
        meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
        trace += a.cov[i * d + i]! + b.cov[i * d + i]!;
      }
      return Math.max(0, meanTerm + trace - 2 * traceRoot);
    }),
  );
}

export interface KidOptions {
  /** Draws the subsets. */
  rng: Rng;
  /** Number of random subsets. Default 100. */
  subsets?: number;
  /** Vectors per subset from each set. Default min(1000, min(N, M) / 2). */
  subsetSize?: number;
}

export interface KidResult {
  /** Mean of the unbiased MMD^2 estimates over the subsets. */
  mean: number;
  /** Their standard deviation: the standard error of one subset's estimate (the spread KID is reported with). */
  std: number;
  subsets: number;
  subsetSize: number;
}

/** The cubic-kernel MMD^2 of one pair of equally sized sets, unbiased (the diagonals of K_xx and K_yy left out). */
function unbiasedMmd2(x: Tensor, y: Tensor): number {
  const [m, d] = x.shape as [number, number];
  const kernelSum = (p: Tensor, q: Tensor) => p.matmul(q.transpose(0, 1)).div(d).add(1).pow(3).sum().item();
  const diagonalSum = (p: Tensor) => p.square().sum(1).div(d).add(1).pow(3).sum().item(); // k(x_i, x_i)
  const within = (p: Tensor) => (kernelSum(p, p) - diagonalSum(p)) / (m * (m - 1));
  return within(x) + within(y) - (2 * kernelSum(x, y)) / (m * m);
}

/** KID between two feature sets (N, d) and (M, d), mean and spread over random subsets. */
export function kid(a: Tensor, b: Tensor, o: KidOptions): KidResult {
  const subsets = o.subsets ?? 100;
  const smaller = Math.min(a.shape[0]!, b.shape[0]!);
  // Subsets of the whole set would all be the same set (and show no spread): at most half of it by default.
  const m = Math.min(o.subsetSize ?? Math.max(2, Math.min(1000, Math.floor(smaller / 2))), smaller);
  if (m < 2) throw new Error(`kid: subsets need at least 2 vectors per set, got ${m}`);
  const estimates = noGrad(() =>
    tidy(() => {
      const x = a.to('float64'),
        y = b.to('float64');
      const out: number[] = [];
      for (let s = 0; s < subsets; s++) {
        out.push(tidy(() => unbiasedMmd2(pick(x, m, o.rng), pick(y, m, o.rng))));
      }
      return out;
    }),
  );
  const mean = estimates.reduce((p, v) => p + v, 0) / subsets;
  const std = subsets > 1 ? Math.sqrt(estimates.reduce((p, v) => p + (v - mean) ** 2, 0) / (subsets - 1)) : 0;
  return { mean, std, subsets, subsetSize: m };
}

/** m distinct rows of x chosen by rng. */
function pick(x: Tensor, m: number, rng: Rng): Tensor {
  const rows = rng.permutation(x.shape[0]!).slice(0, m);
  return x.indexSelect(0, tensor(rows, [m], x.device));
}

export interface PrecisionRecall {
  /** Share of the generated set inside the real set's k-NN manifold (fidelity). */
  precision: number;
  /** Share of the real set inside the generated set's k-NN manifold (coverage of the variety). */
  recall: number;
  /** The k of the k-th nearest neighbour that sets each ball's radius. */
  k: number;
}

const ROWS_PER_CHUNK = 512;

/** Squared distances (rows of a) x (rows of b). */
function squaredDistances(a: Tensor, b: Tensor): Tensor {
  return a
    .square()
    .sum(1, true)
    .add(b.square().sum(1).unsqueeze(0))
    .sub(a.matmul(b.transpose(0, 1)).mul(2))
    .clamp(0);
}

/** Each row's squared distance to its k-th nearest other row (N). */
function kthNeighbourRadii(x: Tensor, k: number): Tensor {
  const n = x.shape[0]!;
  if (n <= k) throw new Error(`precisionRecall: needs more than k = ${k} vectors per set, got ${n}`);
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i += ROWS_PER_CHUNK) {
    // The k + 1 smallest: the row itself comes first, at distance 0.
    parts.push(
      squaredDistances(x.slice(0, i, Math.min(n, i + ROWS_PER_CHUNK)), x)
        .topk(k + 1, 1, false)
        .values.max(1),
    );
  }
  return cat(parts, 0);
}

/** Share of `points` within the ball of radius^2 radiiSq[j] around some centre j. */
function coverage(points: Tensor, centres: Tensor, radiiSq: Tensor): number {
  const n = points.shape[0]!;
  let outside = 0;
  for (let i = 0; i < n; i += ROWS_PER_CHUNK) {
    // Per point: min_j (d^2(p, c_j) - r_j^2) > 0 means outside every ball.
    outside += tidy(() =>
      squaredDistances(points.slice(0, i, Math.min(n, i + ROWS_PER_CHUNK)), centres)
        .sub(radiiSq.unsqueeze(0))
        .min(1)
        .gt(0)
        .sum()
        .item(),
    );
  }
  return (n - outside) / n;
}

/** k-NN precision and recall of generated features against real ones (Kynkaenniemi et al. 2019; k = 3). */
export function precisionRecall(real: Tensor, generated: Tensor, k = 3): PrecisionRecall {
  return noGrad(() =>
    tidy(() => {
      const r = real.to('float64'),
        g = generated.to('float64');
      return { precision: coverage(g, r, kthNeighbourRadii(r, k)), recall: coverage(r, g, kthNeighbourRadii(g, k)), k };
    }),
  );
}
