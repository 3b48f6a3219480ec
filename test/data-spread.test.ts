// principalSpread: the k main directions of a dataset's images, each times its standard deviation, against the
// covariance computed directly: all 16 directions of 4x4 images rebuild the covariance (sum of s s^T), the first 3
// of a set with 3 strong directions rebuild those, and with hflip they are those of the images and their mirrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, makeDataset, principalSpread, type Dataset } from '../src/index.js';

const [C, H, W] = [1, 4, 4];
const D = C * H * W;

/** n images in [0, 1]: 0.5 plus `strengths[j]` times a normal draw along fixed direction j, plus small noise. */
function dataset(n: number, strengths: number[], seed: number): Dataset {
  const rng = new Rng(seed);
  const directions = strengths.map((_, j) =>
    Float64Array.from({ length: D }, (_, p) => Math.cos((j + 1) * (p + 0.3 * j))),
  );
  directions.forEach((u) => {
    const norm = Math.hypot(...u);
    u.forEach((v, p) => (u[p] = v / norm));
  });
  const images = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const z = strengths.map((s) => s * rng.normal());
    for (let p = 0; p < D; p++) {
      const v = 0.5 + 0.01 * rng.normal() + z.reduce((a, zj, j) => a + zj * directions[j]![p]!, 0);
      images[i * D + p] = v;
    }
  }
  return makeDataset({ images, labels: null, classNames: [], shape: [C, H, W], count: n, source: 'directions' });
}

/** The covariance (D x D) of the images on [-1, 1] (float [0, 1] pixels map 2x - 1), with mirrors if asked. */
function covariance(d: Dataset, hflip = false): Float64Array {
  const rows: Float64Array[] = [];
  for (let i = 0; i < d.count; i++) {
    const x = Float64Array.from({ length: D }, (_, p) => 2 * d.images[i * D + p]! - 1);
    rows.push(x);
    if (hflip) rows.push(Float64Array.from({ length: D }, (_, p) => x[p - (p % W) + (W - 1 - (p % W))]!));
  }
  const mean = new Float64Array(D);
  for (const r of rows) r.forEach((v, p) => (mean[p]! += v / rows.length));
  const cov = new Float64Array(D * D);
  for (const r of rows)
    for (let a = 0; a < D; a++)
      for (let b = 0; b < D; b++) cov[a * D + b]! += ((r[a]! - mean[a]!) * (r[b]! - mean[b]!)) / rows.length;
  return cov;
}

/** sum_i s_i s_i^T of a spread (k, D). */
function rebuilt(s: Float32Array): Float64Array {
  const k = s.length / D,
    out = new Float64Array(D * D);
  for (let i = 0; i < k; i++)
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) out[a * D + b]! += s[i * D + a]! * s[i * D + b]!;
  return out;
}

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('all directions of the spread rebuild the covariance, largest first', () => {
  const d = dataset(400, [0.2, 0.1, 0.05], 1);
  const s = principalSpread(d, { k: D });
  assert.equal(s.length, D * D);
  const cov = covariance(d);
  assert.ok(maxDiff(rebuilt(s), cov) < 1e-4, `covariance off by ${maxDiff(rebuilt(s), cov)}`);
  const variances = Array.from({ length: D }, (_, i) => s.slice(i * D, (i + 1) * D).reduce((a, v) => a + v * v, 0));
  variances.slice(1).forEach((v, i) => assert.ok(v <= variances[i]! + 1e-9, `direction ${i + 1} before a larger one`));
});

test('the first k directions are those of the k strong ones', () => {
  const d = dataset(400, [0.2, 0.1, 0.05], 2);
  const s = principalSpread(d, { k: 3 });
  assert.equal(s.length, 3 * D);
  // The rest of the covariance is the 0.02 noise (variance 4e-4 per pixel): what 3 directions leave out.
  assert.ok(maxDiff(rebuilt(s), covariance(d)) < 3e-3, `off by ${maxDiff(rebuilt(s), covariance(d))}`);
});

test('with hflip the spread is that of the images and their mirrors', () => {
  const d = dataset(200, [0.2, 0.1], 3);
  const s = principalSpread(d, { k: D, hflip: true });
  const cov = covariance(d, true);
  assert.ok(maxDiff(rebuilt(s), cov) < 1e-4, `off by ${maxDiff(rebuilt(s), cov)}`);
  assert.ok(maxDiff(rebuilt(principalSpread(d, { k: D })), cov) > 1e-3, 'the mirrors changed nothing');
});

test('the same data gives the same spread (no draws)', () => {
  const d = dataset(100, [0.2], 4);
  assert.deepEqual(principalSpread(d, { k: 4 }), principalSpread(d, { k: 4 }));
});

test('images that do not vary have a spread of 0, with fewer images than directions too', () => {
  for (const count of [1, 3]) {
    const d = makeDataset({
      images: new Float32Array(count * D).fill(0.25),
      labels: null,
      classNames: [],
      shape: [C, H, W],
      count,
      source: 'flat',
    });
    const s = principalSpread(d);
    assert.equal(s.length, count * D, `${count} images: directions`);
    assert.ok(
      s.every((v) => v === 0),
      `${count} images: ${s.find((v) => v !== 0)}`,
    );
  }
});

test("a large set is read every n-th image: the spread of those images about the whole set's mean", () => {
  const d = dataset(300, [0.2, 0.1], 5);
  const every3rd = makeDataset({
    ...d,
    images: Float32Array.from({ length: 100 * D }, (_, i) => d.images[Math.floor(i / D) * 3 * D + (i % D)]!),
    count: 100,
  });
  const shift = (() => {
    // The spread about the whole set's mean: the subset's covariance plus (m_sub - m)(m_sub - m)^T.
    const m = new Float64Array(D),
      ms = new Float64Array(D);
    for (let i = 0; i < 300; i++) for (let p = 0; p < D; p++) m[p]! += (2 * d.images[i * D + p]! - 1) / 300;
    for (let i = 0; i < 100; i++) for (let p = 0; p < D; p++) ms[p]! += (2 * every3rd.images[i * D + p]! - 1) / 100;
    const out = new Float64Array(D * D);
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) out[a * D + b] = (ms[a]! - m[a]!) * (ms[b]! - m[b]!);
    return out;
  })();
  const want = covariance(every3rd).map((v, i) => v + shift[i]!);
  const got = rebuilt(principalSpread(d, { k: D, maxImages: 100 }));
  assert.ok(maxDiff(got, want) < 1e-4, `off by ${maxDiff(got, want)}`);
});
