// Ops whose libtorch kernels needed care: GroupNorm on channels-last input, attention on strided views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, attention, groupNorm, softmax, tidy } from '../src/index.js';
import { relativeError } from './helpers.js';

test('groupNorm gives the same values and gradients for channels-last and NCHW input, even for near-constant groups', () => {
  tidy(() => {
    const rng = new Rng(0);
    // mean 1, std 0.01: libtorch 1.13's channels-last kernel loses the variance to cancellation here
    const x0 = rng.randn([4, 16, 8, 8]).mul(0.01).add(1);
    const probe = rng.randn([4, 16, 8, 8]);
    const run = (x: typeof x0) => {
      const xv = x.setRequiresGrad(true);
      const y = groupNorm(xv, 4);
      y.mul(probe).sum().backward();
      return { y: y.toFloat32Array(), g: xv.grad!.toFloat32Array() };
    };
    const a = run(x0.clone()),
      b = run(x0.channelsLast());
    // the layouts sum in different orders: equal to float32 rounding
    assert.ok(relativeError(b.y, a.y) < 1e-5, `values: ${relativeError(b.y, a.y)}`);
    assert.ok(relativeError(b.g, a.g) < 1e-5, `gradients: ${relativeError(b.g, a.g)}`);
  });
});

test('attention equals softmax(q k^T / sqrt(d)) v on strided (permuted) inputs', () => {
  tidy(() => {
    const rng = new Rng(1);
    const qkv = rng.randn([2, 3, 5, 4], { dtype: 'float64' }).permute([1, 0, 2, 3]); // (3, 2, 5, 4), strided views
    const [q, k, v] = [qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2)];
    const expected = softmax(q.contiguous().matmul(k.contiguous().transpose(1, 2)).div(2), -1).matmul(v.contiguous());
    const got = attention(q, k, v);
    assert.ok(got.sub(expected).abs().max().item() < 1e-12);
  });
});
