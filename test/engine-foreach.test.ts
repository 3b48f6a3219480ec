// The list ops of native/foreach.cc: the fused float32 Adam pass (contiguous and channels-last weights, both
// weight-decay modes, parameters without gradients), the float64 gradient norm and the weight average agree with
// the formulas written out in float64, and with libtorch's op path (float64 parameters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, Rng, clipGradNorm, lerpAllInPlace, tensor, tidy, type Tensor } from '../src/index.js';

const values = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** A leaf of the given shape whose gradient is exactly `grad` (backward of sum(p * grad)). */
function leaf(data: Float32Array | Float64Array, shape: number[], channelsLast = false): Tensor {
  const t = tensor(data, shape);
  return channelsLast ? t.channelsLast().setRequiresGrad(true) : t.setRequiresGrad(true);
}
function setGrad(p: Tensor, g: Float32Array | Float64Array): void {
  p.clearGrad();
  tidy(() => p.mul(tensor(g, p.shape)).sum().backward());
}

for (const mode of ['decoupled', 'l2'] as const) {
  test(`fused Adam (${mode}) over 5 steps matches the float64 formula on contiguous and channels-last float32 weights`, () => {
    const rng = new Rng(3);
    const shapes: [number[], boolean][] = [
      [[7, 5], false],
      [[8, 6, 3, 3], true], // channels-last: its moments take its layout, the pass stays flat
      [[40000], false], // more than one parallel chunk
    ];
    const p0 = shapes.map(([s]) =>
      values(
        rng,
        s.reduce((a, b) => a * b),
      ),
    );
    const params = shapes.map(([s, cl], i) => leaf(p0[i]!, s, cl));
    const idle = leaf(values(rng, 4), [4]); // never gets a gradient: left alone
    const idleBefore = idle.toFloat32Array();
    const o = { lr: 0.01, betas: [0.9, 0.99] as [number, number], eps: 1e-8, weightDecay: 0.1 };
    const opt = new Adam([...params, idle], { ...o, weightDecayMode: mode });
    const ref = p0.map((p) => Float64Array.from(p));
    const m = ref.map((p) => new Float64Array(p.length));
    const v = ref.map((p) => new Float64Array(p.length));
    for (let step = 1; step <= 5; step++) {
      const grads = shapes.map(([s]) =>
        values(
          rng,
          s.reduce((a, b) => a * b),
        ),
      );
      params.forEach((p, i) => setGrad(p, grads[i]!));
      opt.update();
      const [b1, b2] = o.betas;
      ref.forEach((p, i) =>
        p.forEach((x, j) => {
          let g = grads[i]![j]!;
          if (mode === 'l2') g += o.weightDecay * x;
          else x *= 1 - o.lr * o.weightDecay;
          m[i]![j] = b1 * m[i]![j]! + (1 - b1) * g;
          v[i]![j] = b2 * v[i]![j]! + (1 - b2) * g * g;
          const mHat = m[i]![j]! / (1 - b1 ** step),
            vHat = v[i]![j]! / (1 - b2 ** step);
          p[j] = x - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
        }),
      );
    }
    params.forEach((p, i) => {
      const got = p.contiguous().toFloat32Array();
      let worst = 0;
      got.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - ref[i]![j]!))));
      assert.ok(worst < 1e-5, `param ${i} (${shapes[i]![0].join('x')}): off by ${worst}`);
    });
    assert.ok(params[1]!.isChannelsLast, 'the update keeps a channels-last weight channels-last');
    assert.deepEqual(idle.toFloat32Array(), idleBefore);
  });
}

test('fused float32 Adam and libtorch ops on float64 give the same step', () => {
  const rng = new Rng(5);
  const data = values(rng, 300),
    grad = values(rng, 300);
  const a = leaf(data, [300]),
    b = leaf(Float64Array.from(data), [300]);
  const oa = new Adam([a], { lr: 0.05, weightDecay: 0.02 }),
    ob = new Adam([b], { lr: 0.05, weightDecay: 0.02 });
  for (let i = 0; i < 3; i++) {
    setGrad(a, grad);
    setGrad(b, Float64Array.from(grad));
    oa.update();
    ob.update();
  }
  const x = a.toFloat32Array(),
    y = b.toFloat64Array();
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) < 1e-5, `${i}: ${v} vs ${y[i]}`));
});

test('clipGradNorm on float32 gradients: the float64 norm over every parameter, scaled to the cap', () => {
  const rng = new Rng(9);
  const shapes = [[100000], [16, 8, 3, 3], [3]];
  const grads = shapes.map((s) =>
    values(
      rng,
      s.reduce((a, b) => a * b),
    ),
  );
  const params = shapes.map((s) => leaf(new Float32Array(s.reduce((a, b) => a * b)), s));
  params.forEach((p, i) => setGrad(p, grads[i]!));
  const expected = Math.sqrt(grads.flatMap((g) => [...g]).reduce((acc, x) => acc + x * x, 0));
  const norm = clipGradNorm(params, 1);
  assert.ok(Math.abs(norm - expected) / expected < 1e-9, `${norm} vs ${expected}`);
  const after = Math.sqrt(
    params.reduce((acc, p) => acc + [...p.grad!.toFloat32Array()].reduce((s, x) => s + x * x, 0), 0),
  );
  assert.ok(Math.abs(after - 1) < 1e-4, `norm after clipping ${after}`);
});

test('lerpAllInPlace moves every target toward its end by the weight', () => {
  const rng = new Rng(11);
  const a = values(rng, 50000),
    b = values(rng, 50000);
  const t = tensor(a, [50000]),
    e = tensor(b, [50000]);
  const t2 = tensor(Float64Array.from(a.slice(0, 6)), [2, 3]),
    e2 = tensor(Float64Array.from(b.slice(0, 6)), [2, 3]);
  lerpAllInPlace([t, t2], [e, e2], 0.25);
  t.toFloat32Array().forEach((x, i) => assert.ok(Math.abs(x - (a[i]! + 0.25 * (b[i]! - a[i]!))) < 1e-6));
  t2.toFloat64Array().forEach((x, i) => assert.ok(Math.abs(x - (a[i]! + 0.25 * (b[i]! - a[i]!))) < 1e-12));
});
