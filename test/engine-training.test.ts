// The engine trains real networks: an MLP fits sin(x), a conv net overfits 8 images, AdamW matches its formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam,
  Conv2d,
  Linear,
  Module,
  Rng,
  adamW,
  avgPool2d,
  clipGradNorm,
  crossEntropy,
  indices,
  linspace,
  mseLoss,
  noGrad,
  tensor,
  tidy,
  type Tensor,
} from '../src/index.js';

class Mlp extends Module {
  readonly layers: Linear[];
  constructor(rng: Rng, width = 32) {
    super();
    this.layers = this.children('layers', [
      new Linear(1, width, { rng }),
      new Linear(width, width, { rng }),
      new Linear(width, 1, { rng }),
    ]);
  }
  forward(x: Tensor): Tensor {
    const [a, b, c] = this.layers as [Linear, Linear, Linear];
    return c.forward(b.forward(a.forward(x).tanh()).tanh());
  }
}

test('a tiny MLP learns y = sin(x) on [-pi, pi] with Adam', () => {
  const rng = new Rng(0);
  const net = new Mlp(rng);
  const opt = new Adam(net.parameters(), { lr: 1e-2 });
  const x = linspace(-Math.PI, Math.PI, 128).reshape([128, 1]);
  const y = x.sin();
  let first = NaN,
    last = NaN;
  for (let step = 0; step < 600; step++) {
    last = tidy(() => {
      const loss = mseLoss(net.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.update();
      return loss.item();
    });
    if (step === 0) first = last;
  }
  assert.ok(first > 0.1, `start loss ${first}`);
  assert.ok(last < 2e-3, `final loss ${last} (from ${first})`);
});

class TinyConvNet extends Module {
  readonly c1: Conv2d;
  readonly c2: Conv2d;
  readonly head: Linear;
  constructor(rng: Rng) {
    super();
    this.c1 = this.child('c1', new Conv2d(1, 8, 3, { rng }));
    this.c2 = this.child('c2', new Conv2d(8, 16, 3, { rng, stride: 2, padding: 1 }));
    this.head = this.child('head', new Linear(16, 8, { rng }));
  }
  forward(x: Tensor): Tensor {
    // (N, 1, 8, 8) -> (N, 8)
    const h = this.c2.forward(this.c1.forward(x).silu()).silu(); // (N, 16, 4, 4)
    return this.head.forward(avgPool2d(h, 4).flatten(1));
  }
}

test('a tiny conv net overfits 8 random images (8 classes) to 100% accuracy', () => {
  const rng = new Rng(1);
  const net = new TinyConvNet(rng);
  const opt = adamW(net.parameters(), { lr: 1e-2 });
  const images = rng.randn([8, 1, 8, 8]);
  const labels = indices([0, 1, 2, 3, 4, 5, 6, 7]);
  let loss = NaN;
  for (let step = 0; step < 300; step++) {
    loss = tidy(() => {
      const l = crossEntropy(net.forward(images), labels);
      opt.zeroGrad();
      l.backward();
      clipGradNorm(net.parameters(), 1.0);
      opt.update();
      return l.item();
    });
  }
  const predicted = noGrad(() => tidy(() => net.forward(images).argmax(1).toInt32Array()));
  assert.deepEqual([...predicted], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(loss < 0.05, `final loss ${loss}`);
});

test('one AdamW step matches the written-out update (decoupled weight decay, bias correction)', () => {
  const p = tensor(new Float64Array([1, -2, 3]), [3]).setRequiresGrad(true);
  const g = [0.5, -1, 2];
  const opt = adamW([p], { lr: 0.1, weightDecay: 0.1, betas: [0.9, 0.99], eps: 1e-8 });
  tidy(() =>
    p
      .mul(tensor(new Float64Array(g), [3]))
      .sum()
      .backward(),
  );
  opt.update();
  const got = p.toFloat64Array();
  [1, -2, 3].forEach((p0, i) => {
    const m = 0.1 * g[i]!,
      v = 0.01 * g[i]! ** 2; // first moments after one step
    const expected = p0 * (1 - 0.1 * 0.1) - (0.1 * (m / 0.1)) / (Math.sqrt(v / 0.01) + 1e-8);
    assert.ok(Math.abs(got[i]! - expected) < 1e-12, `param ${i}: ${got[i]} vs ${expected}`);
  });
});

test('clipGradNorm scales gradients to the max norm and returns the norm before', () => {
  const p = tensor(new Float64Array([3, 4]), [2]).setRequiresGrad(true);
  tidy(() => p.square().sum().mul(0.5).backward()); // grad = p = (3, 4), norm 5
  const norm = clipGradNorm([p], 1);
  assert.ok(Math.abs(norm - 5) < 1e-12);
  const g = p.grad!.toFloat64Array();
  assert.ok(Math.abs(Math.hypot(g[0]!, g[1]!) - 1) < 1e-5);
});
