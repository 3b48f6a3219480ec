// FID, KID and precision/recall against exact cases: a set against itself, Gaussians with known moments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng,
  featureStats,
  frechetDistance,
  kid,
  precisionRecall,
  tensor,
  tidy,
  type FeatureStats,
  type Tensor,
} from '../src/index.js';

/** FID between two feature sets (N, d) and (M, d). */
const fid = (a: Tensor, b: Tensor) => frechetDistance(featureStats(a), featureStats(b));

const stats = (mean: number[], cov: number[][]): FeatureStats => ({
  n: 1000,
  d: mean.length,
  mean: Float64Array.from(mean),
  cov: Float64Array.from(cov.flat()),
});

test('FID of a feature set against itself is 0', () =>
  tidy(() => {
    const x = new Rng(1).randn([500, 32]).mul(3).add(1);
    const d = fid(x, x);
    assert.ok(Math.abs(d) < 1e-8, `FID(x, x) = ${d}`);
  }));

test('FID of 2-D Gaussians with non-commuting covariances matches the closed form', () => {
  // For 2x2 SPD matrices, tr((S1^1/2 S2 S1^1/2)^1/2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)).
  const s1 = [
      [2, 0.5],
      [0.5, 1],
    ],
    s2 = [
      [1, -0.3],
      [-0.3, 3],
    ];
  const trProduct = s1[0]![0]! * s2[0]![0]! + 2 * s1[0]![1]! * s2[1]![0]! + s1[1]![1]! * s2[1]![1]!;
  const det = (s: number[][]) => s[0]![0]! * s[1]![1]! - s[0]![1]! * s[1]![0]!;
  const meanTerm = (1 - 0) ** 2 + (2 - -1) ** 2;
  const exact = meanTerm + 3 + 4 - 2 * Math.sqrt(trProduct + 2 * Math.sqrt(det(s1) * det(s2)));
  const got = frechetDistance(stats([1, 2], s1), stats([0, -1], s2));
  assert.ok(Math.abs(got - exact) < 1e-10, `FID ${got} vs closed form ${exact}`);
});

test('FID of diagonal Gaussians in 64-D is sum (mu1 - mu2)^2 + (s1 - s2)^2, exactly and from samples', () => {
  const d = 64,
    rng = new Rng(2);
  const s1 = Array.from({ length: d }, () => 0.5 + rng.uniform()),
    s2 = Array.from({ length: d }, () => 0.5 + rng.uniform());
  const m1 = Array.from({ length: d }, () => rng.normal()),
    m2 = Array.from({ length: d }, () => rng.normal());
  const exact = m1.reduce((a, _, i) => a + (m1[i]! - m2[i]!) ** 2 + (s1[i]! - s2[i]!) ** 2, 0);
  const diag = (s: number[]) => s.map((v, i) => s.map((_, j) => (i === j ? v * v : 0)));
  const got = frechetDistance(stats(m1, diag(s1)), stats(m2, diag(s2)));
  assert.ok(Math.abs(got - exact) < 1e-9 * exact, `FID ${got} vs ${exact}`);
  // From 20000 samples each: the estimate's bias is of order d/n relative to the spread.
  const sampled = tidy(() => {
    const draw = (m: number[], s: number[]) =>
      rng
        .randn([20000, d], { dtype: 'float64' })
        .mul(tensor(Float64Array.from(s), [1, d]))
        .add(tensor(Float64Array.from(m), [1, d]));
    return fid(draw(m1, s1), draw(m2, s2));
  });
  assert.ok(Math.abs(sampled - exact) < 0.03 * exact, `sampled FID ${sampled} vs ${exact}`);
});

test('KID is near 0 for two samples of one distribution and clearly positive for shifted ones', () =>
  tidy(() => {
    const rng = new Rng(3);
    const x = rng.randn([600, 16]),
      y = rng.randn([600, 16]),
      z = rng.randn([600, 16]).mul(1.3).add(0.3);
    const same = kid(x, y, { rng: new Rng(0), subsets: 20, subsetSize: 300 });
    const other = kid(x, z, { rng: new Rng(0), subsets: 20, subsetSize: 300 });
    assert.equal(same.subsetSize, 300);
    assert.ok(Math.abs(same.mean) < 3 * same.std + 1e-3, `same: ${same.mean} +- ${same.std}`);
    assert.ok(
      other.mean > 10 * Math.max(Math.abs(same.mean), same.std),
      `other: ${other.mean} vs same ${same.mean} +- ${same.std}`,
    );
  }));

test('precision/recall: near 1 for one distribution, recall drops for a collapsed one', () =>
  tidy(() => {
    const rng = new Rng(4);
    const real = rng.randn([800, 8]),
      fake = rng.randn([800, 8]);
    const same = precisionRecall(real, fake);
    assert.ok(same.precision > 0.85 && same.recall > 0.85, JSON.stringify(same));
    const collapsed = precisionRecall(real, fake.mul(0.3));
    assert.ok(collapsed.precision > 0.95 && collapsed.recall < 0.5, JSON.stringify(collapsed));
  }));
