// Seeded randomness: one seed, one result; streams are independent and resumable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerSampleRng, Rng, cat, tidy } from '../src/index.js';

test('same seed gives bit-identical randn; different seeds differ', () => {
  const a = new Rng(42).randn([3, 5, 7]).toFloat32Array();
  const b = new Rng(42).randn([3, 5, 7]).toFloat32Array();
  const c = new Rng(43).randn([3, 5, 7]).toFloat32Array();
  assert.deepEqual(Buffer.from(a.buffer), Buffer.from(b.buffer));
  assert.ok(
    a.some((v, i) => v !== c[i]),
    'seeds 42 and 43 gave the same numbers',
  );
});

test('normals have mean 0 and variance 1, uniforms lie in [0, 1)', () => {
  const n = 200_000;
  const x = new Rng(7).normals(n);
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  // 5 standard errors: sd(mean) = 1/sqrt(n), sd(var) ~ sqrt(2/n)
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  const u = new Rng(8).uniforms(100_000);
  assert.ok(u.every((v) => v >= 0 && v < 1));
  assert.ok(Math.abs(u.reduce((s, v) => s + v, 0) / u.length - 0.5) < 0.005);
});

test('getState/setState resumes the stream exactly', () => {
  const r = new Rng(5);
  r.normals(11);
  const state = r.getState();
  const next = r.normals(20);
  const resumed = Rng.fromState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(resumed.normals(20), next);
});

test('streams depend only on the seed and their index, not on draws made before', () => {
  const r = new Rng(9);
  const s3 = r.stream(3).normals(8);
  r.normals(100);
  assert.deepEqual(r.stream(3).normals(8), s3);
  assert.notDeepEqual(r.stream(4).normals(8), s3);
  assert.notDeepEqual(new Rng(9).normals(8), s3);
});

test('per-sample streams: the first 4 rows of a batch of 16 equal a batch of 4', () => {
  tidy(() => {
    const big = PerSampleRng.of(123, 16).randn([16, 1, 4, 4]);
    const small = PerSampleRng.of(123, 4).randn([4, 1, 4, 4]);
    assert.deepEqual(big.slice(0, 0, 4).toFloat32Array(), small.toFloat32Array());
    const tail = PerSampleRng.of(123, 12, 4).randn([12, 1, 4, 4]);
    assert.deepEqual(cat([small, tail]).toFloat32Array(), big.toFloat32Array());
    assert.throws(() => PerSampleRng.of(1, 2).randn([3, 2]), /batch dim 3/);
  });
});

test('permutation is a permutation and depends on the seed', () => {
  const p = new Rng(1).permutation(50);
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.notDeepEqual(p, new Rng(2).permutation(50));
});
