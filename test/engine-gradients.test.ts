// Autograd gradients of the layer ops match central finite differences in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng,
  tensor,
  tidy,
  conv2d,
  convTranspose2d,
  groupNorm,
  linear,
  softmax,
  interpolate,
  layerNorm,
  avgPool2d,
  type Tensor,
} from '../src/index.js';
import { relativeError } from './helpers.js';

type Inputs = Float64Array[];
interface Case {
  name: string;
  shapes: number[][];
  f: (xs: Tensor[]) => Tensor;
}

/** Checks d(sum(f(xs) * R))/dxs against central differences at up to `probes` coordinates per input. */
function checkGradient({ name, shapes, f }: Case, seed = 1): void {
  const rng = new Rng(seed);
  const inputs: Inputs = shapes.map((s) => rng.normals(s.reduce((a, b) => a * b, 1)));
  let weights: Float64Array | null = null;
  const loss = (xs: Inputs, withGrad: boolean) =>
    tidy(() => {
      const ts = xs.map((x, i) => tensor(x, shapes[i]!).setRequiresGrad(withGrad));
      const y = f(ts);
      weights ??= rng.normals(y.size);
      const l = y.mul(tensor(weights, y.shape)).sum();
      if (!withGrad) return { value: l.item(), grads: [] as Float64Array[] };
      l.backward();
      return { value: l.item(), grads: ts.map((t) => t.grad!.toFloat64Array()) };
    });
  const { grads } = loss(inputs, true);
  const h = 1e-6;
  const probes = 24;
  inputs.forEach((x, i) => {
    const idx = x.length <= probes ? [...x.keys()] : Array.from({ length: probes }, () => rng.int(x.length));
    const numeric = idx.map((j) => {
      const keep = x[j]!;
      x[j] = keep + h;
      const up = loss(inputs, false).value;
      x[j] = keep - h;
      const down = loss(inputs, false).value;
      x[j] = keep;
      return (up - down) / (2 * h);
    });
    const analytic = idx.map((j) => grads[i]![j]!);
    const err = relativeError(analytic, numeric);
    assert.ok(err < 1e-6, `${name}: input ${i} relative gradient error ${err.toExponential(2)} >= 1e-6`);
  });
}

const cases: Case[] = [
  { name: 'conv2d', shapes: [[2, 3, 6, 6], [4, 3, 3, 3], [4]], f: ([x, w, b]) => conv2d(x!, w!, b, { padding: 1 }) },
  {
    name: 'conv2d stride 2',
    shapes: [[1, 2, 7, 7], [3, 2, 3, 3], [3]],
    f: ([x, w, b]) => conv2d(x!, w!, b, { stride: 2 }),
  },
  {
    name: 'convTranspose2d',
    shapes: [[2, 3, 4, 4], [3, 2, 4, 4], [2]],
    f: ([x, w, b]) => convTranspose2d(x!, w!, b, { stride: 2, padding: 1 }),
  },
  {
    name: 'groupNorm',
    shapes: [[2, 4, 3, 3], [4], [4]],
    f: ([x, w, b]) => groupNorm(x!, 2, w, b),
  },
  { name: 'layerNorm', shapes: [[3, 5], [5], [5]], f: ([x, w, b]) => layerNorm(x!, [5], w, b) },
  { name: 'linear', shapes: [[4, 5], [3, 5], [3]], f: ([x, w, b]) => linear(x!, w!, b) },
  { name: 'silu', shapes: [[3, 7]], f: ([x]) => x!.silu() },
  { name: 'gelu', shapes: [[3, 7]], f: ([x]) => x!.gelu() },
  { name: 'sigmoid', shapes: [[3, 7]], f: ([x]) => x!.sigmoid() },
  { name: 'softmax', shapes: [[3, 6]], f: ([x]) => softmax(x!, -1) },
  { name: 'interpolate nearest', shapes: [[1, 2, 3, 3]], f: ([x]) => interpolate(x!, [6, 6]) },
  {
    name: 'interpolate bilinear',
    shapes: [[1, 2, 3, 4]],
    f: ([x]) => interpolate(x!, [7, 5], { mode: 'bilinear' }),
  },
  { name: 'avgPool2d', shapes: [[1, 2, 4, 4]], f: ([x]) => avgPool2d(x!, 2) },
  {
    name: 'matmul',
    shapes: [
      [2, 3, 4],
      [4, 5],
    ],
    f: ([a, b]) => a!.matmul(b!),
  },
];

for (const c of cases) {
  test(`gradient of ${c.name} matches finite differences (float64)`, () => checkGradient(c));
}

test('the gradient check catches a wrong gradient', () => {
  // detach() cuts the graph of the second factor, so autograd misses half of d(x*x)/dx = 2x.
  assert.throws(
    () => checkGradient({ name: 'broken', shapes: [[5]], f: ([x]) => x!.mul(x!.detach()) }),
    /relative gradient error/,
  );
});
