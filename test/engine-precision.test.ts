// bf16 mixed precision: the dtype through safetensors, libtorch's autocast scope, a GroupNorm that is safe in
// every layout and precision, training and sampling in bf16, and how a precision request is resolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Rng,
  autocast,
  buildNetwork,
  conv2d,
  groupNorm,
  loadDenoiser,
  presetConfig,
  presetNames,
  loadSafetensors,
  noGrad,
  resolvePrecision,
  resolveTrainConfig,
  saveSafetensors,
  tensor,
  tidy,
  train,
  trainingSet,
  makeDataset,
  nativeBf16,
  oneDnnEnabled,
  setOneDnnEnabled,
  type Tensor,
} from '../src/index.js';
import { difflab, relativeError, tempDir } from './helpers.js';

// Where libtorch would compute bf16 unfaithfully (no AVX-512), bf16 is refused, so the tests that train in it skip.
const hardware = nativeBf16();
const bf16Skip = hardware.faithful ? false : `bf16 is refused here (${hardware.reason})`;

test('bf16 tensors round-trip through safetensors bit for bit, and a hand-written BF16 file reads as its values', () => {
  tidy(() => {
    const dir = tempDir();
    const x = new Rng(1).randn([3, 5]).to('bfloat16');
    const path = join(dir, 'w.safetensors');
    saveSafetensors(path, { x });
    const header = JSON.parse(
      readFileSync(path)
        .subarray(8, 8 + Number(readFileSync(path).readBigUInt64LE(0)))
        .toString(),
    );
    assert.equal(header.x.dtype, 'BF16');
    const back = loadSafetensors(path).tensors.x!;
    assert.equal(back.dtype, 'bfloat16');
    assert.deepEqual(back.toBytes(), x.toBytes());
    // bf16 is the top half of a float32: 1.0 = 0x3F80, -2.5 = 0xC020 (little-endian on disk).
    const json = Buffer.from(JSON.stringify({ v: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const file = join(dir, 'hand.safetensors');
    writeFileSync(file, Buffer.concat([len, json, Buffer.from([0x80, 0x3f, 0x20, 0xc0])]));
    assert.deepEqual([...loadSafetensors(file).tensors.v!.toFloat32Array()], [1, -2.5]);
  });
});

test('autocast runs convolutions in bf16 inside its scope only, nests, and sends float32 gradients to float32 weights', () => {
  tidy(() => {
    const rng = new Rng(2);
    const x = rng.randn([2, 3, 6, 6]);
    const w = rng.randn([4, 3, 3, 3]).setRequiresGrad();
    assert.equal(conv2d(x, w).dtype, 'float32');
    const y = autocast('bf16', () => {
      const inner = autocast('bf16', () => conv2d(x, w));
      assert.equal(conv2d(x, w).dtype, 'bfloat16', 'the outer scope is still on after an inner one ends');
      return inner;
    });
    assert.equal(y.dtype, 'bfloat16');
    assert.equal(conv2d(x, w).dtype, 'float32', 'off again after the scope');
    assert.equal(autocast('fp32', () => conv2d(x, w)).dtype, 'float32');
    const exact = conv2d(x, w);
    assert.ok(
      relativeError(y.toFloat32Array(), exact.toFloat32Array()) < 1e-2,
      'bf16 result is the float32 one to ~3 digits',
    );
    y.to('float32').sum().backward();
    assert.equal(w.grad!.dtype, 'float32');
  });
});

test('channels-last holds for one-channel inputs and 1x1 kernels, so a bf16 network has no NCHW stretch', () => {
  tidy(() => {
    const rng = new Rng(3);
    // A one-channel picture and a 1x1 kernel are contiguous in both layouts; libtorch reads the layout a
    // convolution produces from the strides, so a channels-last request must also set them.
    const grey = rng.randn([2, 1, 6, 6]).channelsLast();
    const first = rng.randn([8, 1, 3, 3]).channelsLast();
    assert.ok(autocast('bf16', () => conv2d(grey, first, null, { padding: 1 })).isChannelsLast);
    const nchw = rng.randn([2, 8, 5, 5]).to('bfloat16'); // e.g. an attention's output, reshaped
    const oneByOne = rng.randn([8, 8, 1, 1]).channelsLast();
    assert.ok(autocast('bf16', () => conv2d(nchw, oneByOne)).isChannelsLast);
    // A grey-picture preset in bf16: every block's output channels-last, from the first convolution on.
    const net = buildNetwork(presetConfig('default'), { rng: new Rng(4), memoryFormat: 'channels-last' }).eval();
    const layouts: string[] = [];
    net.traced(
      (name, out) => out.rank === 4 && layouts.push(`${name}: ${out.isChannelsLast ? 'channels-last' : 'NCHW'}`),
      () => autocast('bf16', () => net.forward(rng.randn([2, 1, 28, 28]), rng.rand([2]), { classes: [1, 2] })),
    );
    assert.deepEqual(
      layouts.filter((l) => !l.endsWith('channels-last')),
      [],
    );
    assert.ok(layouts.length > 10);
    net.dispose();
  });
});

/** float64 GroupNorm of (N, C, H, W) data in plain arithmetic: the reference. */
function groupNormReference(x: Float64Array, [n, c, h, w]: number[], groups: number, eps: number): Float64Array {
  const out = new Float64Array(x.length),
    per = (c / groups) * h * w;
  for (let i = 0; i < n * groups; i++) {
    const s = x.subarray(i * per, (i + 1) * per);
    const mean = s.reduce((a, b) => a + b, 0) / per;
    const variance = s.reduce((a, b) => a + (b - mean) ** 2, 0) / per;
    for (let j = 0; j < per; j++) out[i * per + j] = (s[j]! - mean) / Math.sqrt(variance + eps);
  }
  return out;
}

test('GroupNorm matches a float64 reference on near-constant groups in every layout and precision', () => {
  // A black border: values 3 +- 1e-3. E[x^2] - E[x]^2 (libtorch 1.13's channels-last kernel) loses every digit of
  // the variance in float32 here; two-pass moments keep them.
  const shape = [2, 8, 6, 6],
    groups = 4,
    eps = 1e-8;
  const rng = new Rng(3);
  const data = Float64Array.from(rng.normals(shape.reduce((a, b) => a * b)), (v) => 3 + 1e-3 * v);
  const reference = groupNormReference(data, shape, groups, eps);
  tidy(() => {
    const x = tensor(Float32Array.from(data), shape);
    const cases: [string, Tensor][] = [
      ['NCHW float32', x],
      ['channels-last float32', x.channelsLast()],
    ];
    for (const [name, input] of cases) {
      const y = groupNorm(input, groups, null, null, { eps });
      assert.equal(y.dtype, 'float32', name);
      assert.equal(y.isChannelsLast, input.isChannelsLast, `${name}: layout kept`);
      const err = relativeError(y.toFloat64Array(), reference);
      assert.ok(err < 2e-3, `${name}: relative error ${err}`);
    }
    // bf16 input (what a convolution under autocast hands on) is normalised with float32 statistics, returned bf16.
    const low = tensor(
      Float32Array.from(data, (v) => (v - 3) * 1e3),
      shape,
    )
      .channelsLast()
      .to('bfloat16');
    const y = groupNorm(low, groups, null, null, { eps: 1e-5 });
    assert.equal(y.dtype, 'bfloat16');
    assert.ok(y.isChannelsLast);
    const ref = groupNormReference(low.toFloat64Array(), shape, groups, 1e-5);
    assert.ok(relativeError(y.toFloat64Array(), ref) < 8e-3); // one bf16 rounding of the output
  });
});

test('channels-last GroupNorm gradients match central finite differences in float64', () => {
  const shape = [2, 4, 3, 3],
    groups = 2,
    n = shape.reduce((a, b) => a * b);
  const rng = new Rng(4);
  const x0 = rng.normals(n),
    weights = rng.normals(n),
    gamma = rng.normals(4),
    beta = rng.normals(4);
  const value = (x: Float64Array, grad: boolean) =>
    tidy(() => {
      const xt = tensor(x, shape).channelsLast().setRequiresGrad(grad);
      const g = tensor(gamma, [4]).setRequiresGrad(grad),
        b = tensor(beta, [4]);
      const y = groupNorm(xt, groups, g, b);
      assert.ok(y.isChannelsLast);
      const l = y.mul(tensor(weights, shape)).sum();
      if (!grad) return { v: l.item(), dx: new Float64Array(), dg: new Float64Array() };
      l.backward();
      return { v: l.item(), dx: xt.grad!.toFloat64Array(), dg: g.grad!.toFloat64Array() };
    });
  const { dx } = value(x0, true);
  const h = 1e-6;
  const numeric = Float64Array.from(x0, (_, j) => {
    const x = Float64Array.from(x0);
    x[j] = x0[j]! + h;
    const up = value(x, false).v;
    x[j] = x0[j]! - h;
    return (up - value(x, false).v) / (2 * h);
  });
  assert.ok(relativeError(dx, numeric) < 1e-6, `relative error ${relativeError(dx, numeric)}`);
});

test(
  'a tiny U-Net trains in bf16 (loss falls), records it, and its model samples in fp32 and bf16 alike',
  { skip: bf16Skip },
  async () => {
    const rng = new Rng(5);
    const n = 64,
      images = new Uint8Array(n * 64),
      labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // bright squares (class 0) and bars (class 1) on black
      labels[i] = i % 2;
      const [x0, y0] = [rng.int(4), rng.int(4)];
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          const inside = labels[i] === 0 ? x >= x0 && x < x0 + 4 && y >= y0 && y < y0 + 4 : x >= x0 && x < x0 + 2;
          images[i * 64 + y * 8 + x] = inside ? 255 : 0;
        }
    }
    const data = makeDataset({
      images,
      labels,
      classNames: ['square', 'bar'],
      shape: [1, 8, 8],
      count: n,
      source: 'synthetic',
    });
    const config = resolveTrainConfig({
      data: 'synthetic',
      imageChannels: 1,
      imageSize: 8,
      classNames: ['square', 'bar'],
      preset: 'tiny',
      steps: 120,
      batchSize: 16,
      lr: 2e-3,
      lrWarmupSteps: 5,
      checkpointEvery: 1000,
      sampleEvery: 0,
      precision: 'bf16',
    });
    assert.equal(config.precision, 'bf16');
    const dir = tempDir();
    const losses: number[] = [];
    const result = await train(config, trainingSet(data), dir, { onStep: (r) => losses.push(r.loss) });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const start = mean(losses.slice(0, 10)),
      end = mean(losses.slice(-20));
    assert.ok(end < 0.6 * start, `bf16 loss ${start.toFixed(3)} -> ${end.toFixed(3)}`);
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).precision, 'bf16');

    const outputs = (['fp32', 'bf16'] as const).map((precision) => {
      const m = loadDenoiser(result.modelPath, { precision });
      const x = noGrad(() =>
        tidy(() =>
          m.denoiser
            .denoise(new Rng(6).randn([4, 1, 8, 8]), [0.5, 1, 2, 5], tensor(Int32Array.from([0, 1, 0, 1])))
            .toFloat32Array(),
        ),
      );
      m.network.dispose();
      return x;
    });
    const gap = relativeError(outputs[0]!, outputs[1]!);
    assert.ok(gap > 0 && gap < 0.05, `fp32 vs bf16 denoiser outputs differ by ${gap}`);
  },
);

test('precision requests: auto follows the hardware, bf16 without native support runs with a note, without AVX-512 it is refused', () => {
  const yes = { native: true, faithful: true, reason: 'CPU has avx512_bf16' },
    no = { native: false, faithful: true, reason: 'CPU has neither avx512_bf16 nor amx_bf16' },
    avx2 = { native: false, faithful: false, reason: 'CPU has no AVX-512 (avx512bw, avx512vl, avx512dq)' };
  assert.deepEqual(resolvePrecision('auto', avx2), { precision: 'fp32', note: null });
  assert.deepEqual(resolvePrecision('fp32', avx2), { precision: 'fp32', note: null });
  assert.throws(
    () => resolvePrecision('bf16', avx2),
    /^Error: precision bf16 is refused here: CPU has no AVX-512 .*\(use fp32 or auto\)$/,
  );
  assert.deepEqual(resolvePrecision('auto', yes), { precision: 'bf16', note: null });
  assert.deepEqual(resolvePrecision('auto', no), { precision: 'fp32', note: null });
  assert.deepEqual(resolvePrecision('fp32', yes), { precision: 'fp32', note: null });
  const emulated = resolvePrecision('bf16', no);
  assert.equal(emulated.precision, 'bf16');
  assert.match(emulated.note!, /^note: bf16 requested but CPU has neither avx512_bf16 nor amx_bf16: it runs emulated/);
  assert.equal(emulated.note!.split('\n').length, 1);
});

test('CLI: --precision is checked, shown in help, and recorded in the run config', () => {
  const bad = difflab('sample', '--precision', 'fp8', '--out', join(tempDir(), 'x.png'));
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), "difflab: error: --precision must be one of auto|fp32|bf16, got 'fp8'");
  for (const cmd of ['train', 'sample', 'edit', 'forward', 'denoise', 'eval', 'serve']) {
    assert.match(difflab(cmd, '--help').stdout, /--precision VALUE/, cmd);
  }
  const dry = difflab('train', '--data', 'subset', '--out', join(tempDir(), 'run'), '--precision', 'fp32', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(JSON.parse(dry.stdout).precision, 'fp32');
  // bf16: recorded where this CPU computes it faithfully, one line naming the option where it does not
  const bf16 = difflab(
    'train',
    '--data',
    'subset',
    '--out',
    join(tempDir(), 'run'),
    '--precision',
    'bf16',
    '--dry-run',
  );
  if (hardware.faithful) {
    assert.equal(bf16.code, 0, bf16.stderr);
    assert.equal(JSON.parse(bf16.stdout).precision, 'bf16');
  } else {
    assert.equal(bf16.code, 2);
    assert.match(bf16.stderr.trim(), /^difflab: error: --precision bf16 is refused here: CPU has no AVX-512 [^\n]*$/);
  }
});

test("why bf16 needs AVX-512: libtorch's fallback convolution (oneDNN off) sums bf16 weight gradients in bf16", () => {
  const weightGrad = (precision: 'fp32' | 'bf16') =>
    tidy(() => {
      const rng = new Rng(3);
      const x = rng.randn([32, 32, 28, 28]).channelsLast(),
        w = rng.randn([32, 32, 3, 3]).mul(0.05).setRequiresGrad();
      autocast(precision, () => conv2d(x, w, null, { padding: 1 }))
        .to('float32')
        .square()
        .mean()
        .backward();
      return w.grad!.toFloat32Array();
    });
  const exact = weightGrad('fp32');
  assert.equal(oneDnnEnabled(), true);
  setOneDnnEnabled(false);
  let fallback: number;
  try {
    fallback = relativeError(weightGrad('bf16'), exact);
  } finally {
    setOneDnnEnabled(true);
  }
  assert.ok(fallback > 0.1, `oneDNN off: bf16 weight gradients differ from fp32 by only ${fallback}`);
  if (hardware.faithful) {
    const onednn = relativeError(weightGrad('bf16'), exact);
    assert.ok(onednn < 0.02, `oneDNN: bf16 weight gradients differ from fp32 by ${onednn}`);
  }
});

test('GELU backward is right when the gradient arrives channels-last and the input is not (a libtorch 1.13 kernel bug)', () => {
  tidy(() => {
    const rng = new Rng(7);
    const x0 = rng.randn([2, 8, 5, 5], { dtype: 'float64' }),
      r = rng.randn([2, 8, 5, 5], { dtype: 'float64' });
    const grad = (x: Tensor, weights: Tensor) => {
      const v = x.clone().setRequiresGrad();
      v.gelu().mul(weights).sum().backward();
      return v.grad!.toFloat64Array();
    };
    const exact = grad(x0, r); // every tensor NCHW
    assert.ok(relativeError(grad(x0, r.channelsLast()), exact) < 1e-12);
    assert.ok(relativeError(grad(x0.channelsLast(), r), exact) < 1e-12);
  });
});

test(
  'every preset computes nearly the fp32 gradients in bf16 (channels-last) on images with black borders: no kernel goes wrong on its layouts',
  { skip: bf16Skip },
  () => {
    for (const preset of presetNames) {
      const config = presetConfig(preset, preset === 'singleStep' ? { hidden: 16 } : {});
      const grads = (precision: 'fp32' | 'bf16') =>
        tidy(() => {
          const net = buildNetwork(config, {
            rng: new Rng(8),
            memoryFormat: precision === 'bf16' ? 'channels-last' : 'contiguous',
          }).train();
          const rng = new Rng(9);
          // Fashion-MNIST-like: noise inside, an exactly black (-1) border 6 pixels wide (near-constant groups)
          const inside = tensor(
            Float32Array.from({ length: 28 * 28 }, (_, i) =>
              Math.min(i % 28, 27 - (i % 28), Math.floor(i / 28), 27 - Math.floor(i / 28)) < 6 ? 0 : 1,
            ),
            [28, 28],
          ); // 1 inside, 0 on the border
          const x = rng.randn([8, config.imageChannels, 28, 28]).mul(inside).add(inside.sub(1));
          const out = autocast(precision, () =>
            net.forward(x, rng.rand([8]), {
              classes: Int32Array.from({ length: 8 }, (_, i) => i % 10),
              rng: new Rng(10),
            }),
          );
          out.to('float32').square().mean().backward();
          const g = Float64Array.from(net.parameters().flatMap((p) => [...p.grad!.toFloat32Array()]));
          net.dispose();
          return g;
        });
      const gap = relativeError(grads('bf16'), grads('fp32'));
      assert.ok(gap < 0.05, `${preset}: bf16 gradients differ from fp32 by ${gap}`);
    }
  },
);
