// Long loops do not grow memory: 1,000 training steps of a small network inside per-step tidy scopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam,
  Conv2d,
  DEFAULT_MODEL_PATH,
  Linear,
  Module,
  Rng,
  buildNetwork,
  dispose,
  keep,
  liveTensorCount,
  loadDenoiser,
  mseLoss,
  networkPresets,
  tidy,
  zeros,
  type Tensor,
} from '../src/index.js';
import { rssAfterGc } from './helpers.js';

class SmallNet extends Module {
  readonly a: Conv2d;
  readonly b: Conv2d;
  constructor(rng: Rng) {
    super();
    this.a = this.child('a', new Conv2d(1, 16, 3, { rng }));
    this.b = this.child('b', new Conv2d(16, 1, 3, { rng }));
  }
  forward(x: Tensor): Tensor {
    return this.b.forward(this.a.forward(x).silu());
  }
}

function trainSteps(net: SmallNet, opt: Adam, rng: Rng, steps: number): void {
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      const x = rng.randn([16, 1, 16, 16]);
      const loss = mseLoss(net.forward(x), x);
      opt.zeroGrad();
      loss.backward();
      opt.update();
    });
  }
}

test('1,000 training steps do not grow resident memory', () => {
  const rng = new Rng(0);
  const net = new SmallNet(rng);
  const opt = new Adam(net.parameters());
  trainSteps(net, opt, rng, 200); // warm-up: allocator pools and JIT settle
  const before = rssAfterGc();
  trainSteps(net, opt, rng, 1000);
  const after = rssAfterGc();
  // Each step makes ~60 tensors and ~250 KiB of activations; a leak of one step's tensors per step would add
  // well over 100 MiB here.
  assert.ok(after - before < 30, `resident memory grew ${(after - before).toFixed(1)} MiB over 1,000 steps`);
});

test('liveTensorCount counts tensors made and not yet disposed (a second dispose changes nothing)', () => {
  const start = liveTensorCount();
  const a = zeros([4]),
    b = a.add(1);
  assert.equal(liveTensorCount(), start + 2);
  a.dispose();
  a.dispose();
  assert.equal(liveTensorCount(), start + 1);
  tidy(() => {
    b.mul(2).sum();
  });
  assert.equal(liveTensorCount(), start + 1, 'tidy released what it made');
  const kept = tidy(() => keep(b.mul(3)));
  assert.equal(liveTensorCount(), start + 2, 'a kept tensor stays live');
  dispose([b, kept]);
  assert.equal(liveTensorCount(), start);
});

test('tidy releases what it does not return, and keeps what it returns', () => {
  let inner: Tensor | undefined;
  const kept = tidy(() => {
    inner = zeros([1000]);
    return { out: zeros([3]) };
  });
  assert.equal(inner!.isDisposed, true);
  assert.equal(kept.out.isDisposed, false);
  assert.throws(() => inner!.sum(), /disposed/);
  // nested: a tensor returned from an inner scope belongs to the outer scope
  let middle: Tensor | undefined;
  tidy(() => {
    middle = tidy(() => zeros([2]));
    assert.equal(middle.isDisposed, false);
  });
  assert.equal(middle!.isDisposed, true);
});

test('networks, layers, optimizers and loaded models own what they make: dispose() returns the live count to its start', () => {
  const start = liveTensorCount();
  for (let i = 0; i < 20; i++)
    loadDenoiser(DEFAULT_MODEL_PATH, { precision: i % 2 === 0 ? 'fp32' : 'bf16' }).network.dispose();
  assert.equal(liveTensorCount(), start, 'the shipped model loaded and disposed 20 times (fp32 and bf16)');
  const layer = new Linear(3, 4, { rng: new Rng(0) }); // outside any tidy scope
  assert.equal(liveTensorCount(), start + 2, 'a Linear holds its weight and bias, no temporaries');
  const opt = new Adam(layer.parameters());
  tidy(() => {
    const loss = mseLoss(layer.forward(zeros([2, 3]).add(1)), zeros([2, 4]));
    opt.zeroGrad();
    loss.backward();
    opt.update(1e-3);
  });
  opt.dispose();
  layer.dispose();
  assert.equal(liveTensorCount(), start, 'an optimizer step, then dispose of both');
  buildNetwork(networkPresets.tiny).dispose();
  assert.equal(liveTensorCount(), start, 'a preset network built and disposed');
});
