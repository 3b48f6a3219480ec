// The U-Net family: shapes for 1 and 3 channels and several sizes, class conditioning with the null class,
// label dropout, a training step, and weights that survive a save/load round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam,
  ResBlock,
  Rng,
  buildNetwork,
  convTranspose2d,
  convTranspose2dViaConv,
  decodeSafetensors,
  dropLabels,
  effectiveClasses,
  encodeSafetensors,
  mseLoss,
  noGrad,
  tidy,
  type Network,
  type NetworkConfig,
  type Tensor,
} from '../src/index.js';
import { relativeError } from './helpers.js';

/** Small configs of every kind, so each test runs in well under a second. */
const small: Record<string, NetworkConfig> = {
  unet: {
    kind: 'unet',
    baseChannels: 8,
    channelMults: [1, 2, 2],
    attentionLevels: [2],
    attentionHeads: 2,
    embedDim: 16,
    groups: 4,
  },
  classic: { kind: 'classic', hidden: 8, imageSize: 16, groups: 4 },
  score: { kind: 'score', channels: [8, 16, 16, 32], embedDim: 16 },
};
const sizeFor = { unet: 16, classic: 16, score: 28 } as const;

function run(net: Network, x: Tensor, classes?: number[]): Float32Array {
  return noGrad(() =>
    tidy(() => net.forward(x, new Rng(9).rand([x.shape[0]!]), classes ? { classes } : {}).toFloat32Array()),
  );
}

test('U-Net output has the input shape for 1 and 3 channels and several sizes', () => {
  for (const channels of [1, 3]) {
    for (const [h, w] of [
      [16, 16],
      [28, 28],
      [32, 20],
      [8, 12],
    ]) {
      const net = buildNetwork({ ...small.unet!, kind: 'unet', imageChannels: channels }, { rng: new Rng(1) }).eval();
      const out = tidy(() => [...net.forward(new Rng(2).randn([2, channels, h!, w!]), new Rng(3).rand([2])).shape]);
      assert.deepEqual(out, [2, channels, h, w], `${channels} channels, ${h}x${w}`);
      net.dispose();
    }
  }
});

test('classic and score presets keep the input shape, for 1 and 3 channels', () => {
  for (const kind of ['classic', 'score'] as const) {
    for (const channels of [1, 3]) {
      const net = buildNetwork({ ...small[kind]!, imageChannels: channels } as NetworkConfig, {
        rng: new Rng(1),
      }).eval();
      const s = sizeFor[kind];
      const shape = tidy(() => [...net.forward(new Rng(2).randn([3, channels, s, s]), new Rng(3).rand([3])).shape]);
      assert.deepEqual(shape, [3, channels, s, s], `${kind}, ${channels} channels`);
      net.dispose();
    }
  }
});

test('a size not divisible by the downsampling factor is refused with a message naming it', () => {
  const net = buildNetwork(small.unet!, { rng: new Rng(1) }).eval();
  const forward = (shape: number[]) => tidy(() => net.forward(new Rng(2).randn(shape), new Rng(3).rand([1])));
  assert.throws(() => forward([1, 1, 18, 16]), /18x16 is not divisible by .* 4/);
  assert.throws(() => forward([1, 3, 16, 16]), /expected x of shape \(N, 1, H, W\)/);
  net.dispose();
});

test('class-conditional networks: the output differs by class, and the null class works', () => {
  for (const kind of ['unet', 'classic', 'score'] as const) {
    const net = buildNetwork({ ...small[kind]!, numClasses: 3 } as NetworkConfig, { rng: new Rng(4) }).eval();
    const s = sizeFor[kind];
    const x = new Rng(5).randn([2, 1, s, s]);
    const [a, b, nul] = [run(net, x, [0, 0]), run(net, x, [1, 1]), run(net, x, [3, 3])];
    assert.ok(relativeError(a, b) > 1e-3, `${kind}: class 0 and class 1 give the same output`);
    assert.ok(relativeError(a, nul) > 1e-3, `${kind}: class 0 and the null class give the same output`);
    assert.ok(nul.every(Number.isFinite), `${kind}: null-class output is not finite`);
    assert.deepEqual(run(net, x), nul, `${kind}: omitting classes is not the null class`);
    assert.throws(() => run(net, x, [0, 4]), /class id 4 is outside \[0, 3\]/);
    net.train();
    assert.throws(() => tidy(() => net.forward(x, new Rng(1).rand([2]), { classes: [0, 1] })), /needs cond.rng/);
    net.dispose();
    x.dispose();
  }
});

test('label dropout replaces labels by the null class at rate p (default 0.1)', () => {
  const n = 20000;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const dropped = dropLabels(labels, 10, 0.1, new Rng(6));
  const rate = dropped.filter((c) => c === 10).length / n;
  assert.ok(Math.abs(rate - 0.1) < 0.01, `drop rate ${rate} is not ~0.1`);
  assert.ok(
    dropped.every((c, i) => c === 10 || c === labels[i]),
    'a kept label changed',
  );
  const viaNet = effectiveClasses(
    { classes: labels, rng: new Rng(6) },
    { numClasses: 10, labelDropout: 0.1, training: true, batch: n },
  );
  assert.deepEqual(viaNet, dropped, 'networks drop labels exactly as dropLabels with the same rng');
  const inEval = effectiveClasses(
    { classes: labels },
    { numClasses: 10, labelDropout: 0.1, training: false, batch: n },
  );
  assert.deepEqual(inEval, labels, 'eval mode must not drop labels');
});

test('one Adam step on a fixed batch lowers the MSE, for every kind', () => {
  for (const kind of ['unet', 'classic', 'score'] as const) {
    const rng = new Rng(7);
    const net = buildNetwork({ ...small[kind]!, numClasses: 10, labelDropout: 0 } as NetworkConfig, { rng });
    const s = sizeFor[kind];
    const x = rng.randn([8, 1, s, s]);
    const t = rng.rand([8]);
    const target = rng.randn([8, 1, s, s]).mul(0.5);
    const classes = [0, 1, 2, 3, 4, 5, 6, 7];
    const opt = new Adam(net.parameters(), { lr: 1e-3 });
    const loss = () => tidy(() => mseLoss(net.forward(x, t, { classes }), target));
    const before = tidy(() => {
      const l = loss();
      opt.zeroGrad();
      l.backward();
      opt.update();
      return l.item();
    });
    const after = tidy(() => loss().item());
    assert.ok(after < before, `${kind}: loss ${before} -> ${after} did not decrease`);
    opt.dispose();
    net.dispose();
  }
});

test('weights round-trip through safetensors and buildNetwork(config) (channels-last saved, contiguous loaded)', () => {
  const config = { ...small.unet!, numClasses: 10 } as NetworkConfig;
  const a = buildNetwork(config, { rng: new Rng(8), memoryFormat: 'channels-last' }).eval();
  const bytes = Buffer.concat(encodeSafetensors(a.stateDict(), { config: JSON.stringify(a.config) }));
  const file = decodeSafetensors(bytes);
  const b = buildNetwork(JSON.parse(file.metadata.config!) as NetworkConfig, {
    rng: new Rng(99),
    memoryFormat: 'contiguous',
  }).eval();
  const x = new Rng(10).randn([2, 1, 16, 16]);
  assert.ok(relativeError(run(a, x, [1, 2]), run(b, x, [1, 2])) > 1e-3, 'different seeds should give different nets');
  b.loadStateDict(file.tensors);
  assert.deepEqual(b.config, a.config);
  assert.ok(relativeError(run(a, x, [1, 2]), run(b, x, [1, 2])) < 1e-6, 'loaded net differs from the saved one');
  for (const n of [a, b]) n.dispose();
});

test('the conv2d form of a transposed convolution matches convTranspose2d, values and gradients', () => {
  const rng = new Rng(14);
  for (const [cin, cout, h, k, stride, padding, outputPadding] of [
    [3, 4, 5, 4, 2, 1, 0],
    [3, 2, 1, 7, 7, 0, 0],
    [4, 3, 5, 3, 2, 0, 1],
  ]) {
    tidy(() => {
      const x = rng.randn([2, cin!, h!, h!]).setRequiresGrad(true);
      const w = rng.randn([cin!, cout!, k!, k!]).setRequiresGrad(true);
      const b = rng.randn([cout!]);
      const o = { stride: stride!, padding: padding!, outputPadding: outputPadding! };
      const probe = (y: Tensor, g: Tensor) => {
        y.mul(g).sum().backward();
        const out = [y.toFloat32Array(), x.grad!.toFloat32Array(), w.grad!.toFloat32Array()];
        x.clearGrad();
        w.clearGrad();
        return out;
      };
      const ref = convTranspose2d(x, w, b, o);
      const g = rng.randn(ref.shape);
      const [want, got] = [probe(ref, g), probe(convTranspose2dViaConv(x, w, b, o), g)];
      want.forEach((a, i) => assert.ok(relativeError(a, got[i]!) < 1e-5, `k${k} s${stride}: part ${i} differs`));
    });
  }
});

test('a ResBlock releases its intermediates as it ends: a large batch holds one block of activations at a time', () => {
  const rng = new Rng(0);
  const block = new ResBlock(8, 16, { embedDim: 12, groups: 4, rng });
  const seen: Tensor[] = [];
  const conv1 = block.conv1.forward.bind(block.conv1);
  block.conv1.forward = (x: Tensor) => {
    const y = conv1(x);
    seen.push(y);
    return y;
  };
  tidy(() => {
    const x = rng.randn([2, 8, 6, 6]).setRequiresGrad(true);
    const out = block.forward(x, rng.randn([2, 12]));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.isDisposed, true, 'the first convolution output is released when the block returns');
    assert.equal(out.isDisposed, false, "the block's output lives on in the caller's scope");
    // Autograd keeps what backward needs: the gradient flows through the released intermediates.
    out.sum().backward();
    assert.ok(x.grad !== null && x.grad.abs().sum().item() > 0);
  });
});

test("the U-Net's up path releases each skip and its own last output as it uses them; training still backpropagates", () => {
  const net = buildNetwork(small.unet!, { rng: new Rng(1) });
  const marked = new Map<string, Tensor>();
  tidy(() => {
    const x = new Rng(2).randn([2, 1, 16, 16]).setRequiresGrad(true);
    const out = net.traced(
      (name, t) => marked.set(name, t),
      () => net.forward(x, new Rng(3).rand([2])),
    );
    for (const name of ['inConv', 'down.0.0', 'mid', 'upsample.1'])
      assert.equal(marked.get(name)!.isDisposed, true, `${name} is released once the up path has used it`);
    assert.equal(out.isDisposed, false);
    out.square().mean().backward();
    assert.ok(x.grad !== null && x.grad.abs().sum().item() > 0, 'the gradient reaches the input');
  });
  net.dispose();
});
