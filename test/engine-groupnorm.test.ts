// The fused GroupNorm (+ SiLU) kernel (native/groupnorm.cc): gradients by finite differences, values and gradients
// against a float64 reference composed of plain ops on near-constant groups in both layouts and precisions,
// agreement with libtorch's group_norm in every instruction-set variant. (Every preset's bf16 gradients against
// fp32's, on images with black borders: engine-precision.test.ts.)
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, groupNorm, tensor, tidy, type GroupNormOptions, type Tensor } from '../src/index.js';
import { relativeError } from './helpers.js';

const layouts = ['NCHW', 'channels-last'] as const;
const activations = ['none', 'silu'] as const;
const inLayout = (t: Tensor, layout: (typeof layouts)[number]) => (layout === 'NCHW' ? t : t.channelsLast());

/** GroupNorm (+ SiLU) of (N, C, H, W) x composed of reductions and elementwise ops: independent of the kernel. */
function composed(x: Tensor, groups: number, w: Tensor, b: Tensor, o: GroupNormOptions): Tensor {
  const [n, c] = x.shape as [number, number];
  const g = x.contiguous().reshape([n, groups, -1]);
  const d = g.sub(g.mean(-1, true));
  const z = d
    .mul(
      d
        .square()
        .mean(-1, true)
        .add(o.eps ?? 1e-5)
        .rsqrt(),
    )
    .reshape([...x.shape]);
  const u = z.mul(w.reshape([1, c, 1, 1])).add(b.reshape([1, c, 1, 1]));
  return o.activation === 'silu' ? u.silu() : u;
}

test('fused GroupNorm gradients (input, weight, bias) match central finite differences in float64', () => {
  const shape = [2, 6, 3, 4],
    groups = 3,
    count = shape.reduce((a, b) => a * b);
  const rng = new Rng(21);
  const x0 = rng.normals(count),
    w0 = rng.normals(6),
    b0 = rng.normals(6),
    probe = rng.normals(count);
  for (const layout of layouts)
    for (const activation of activations) {
      const loss = (xs: Float64Array[], grad: boolean) =>
        tidy(() => {
          const [x, w, b] = [inLayout(tensor(xs[0]!, shape), layout), tensor(xs[1]!, [6]), tensor(xs[2]!, [6])].map(
            (t) => t.setRequiresGrad(grad),
          ) as [Tensor, Tensor, Tensor];
          const y = groupNorm(x, groups, w, b, { activation });
          assert.equal(y.isChannelsLast, layout === 'channels-last');
          const l = y.mul(tensor(probe, shape)).sum();
          if (!grad) return { v: l.item(), g: [] as Float64Array[] };
          l.backward();
          return { v: l.item(), g: [x, w, b].map((t) => t.grad!.toFloat64Array()) };
        });
      const inputs = [x0, w0, b0];
      const { g } = loss(inputs, true);
      const h = 1e-6;
      inputs.forEach((input, k) => {
        const numeric = Float64Array.from(input, (_, j) => {
          const at = (delta: number) => {
            const moved = inputs.map((v) => Float64Array.from(v));
            moved[k]![j] = input[j]! + delta;
            return loss(moved, false).v;
          };
          return (at(h) - at(-h)) / (2 * h);
        });
        const err = relativeError(g[k]!, numeric);
        assert.ok(err < 1e-6, `${layout}, ${activation}, ${['input', 'weight', 'bias'][k]}: relative error ${err}`);
      });
    }
});

test('fused GroupNorm matches a float64 reference on near-constant groups (a black border at 1e3) in both layouts and precisions', () => {
  // Channels 0-3 (group 0) hold 1e3 plus tiny noise, as a convolution's output over a black border does: std 1e-2
  // at mean 1e3 in float32, where E[x^2] - E[x]^2 loses every digit. Group 1 is plain noise.
  const shape = [2, 8, 6, 6],
    groups = 2,
    count = shape.reduce((a, b) => a * b);
  const rng = new Rng(22);
  const noise = rng.normals(count),
    probe = rng.normals(count);
  const w0 = rng.normals(8),
    b0 = rng.normals(8);
  const cases = [
    { dtype: 'float32', spread: 1e-2, tolerance: 1e-4 },
    { dtype: 'bfloat16', spread: 4, tolerance: 2e-2 }, // bf16 spacing at 1e3 is 4: noise below it vanishes
  ] as const;
  for (const { dtype, spread, tolerance } of cases) {
    const data = Float64Array.from(noise, (v, i) => (Math.floor(i / 36) % 8 < 4 ? 1e3 + spread * v : v));
    for (const layout of layouts)
      for (const activation of activations)
        tidy(() => {
          const name = `${dtype} ${layout} ${activation}`;
          const input = inLayout(tensor(Float32Array.from(data), shape), layout).to(dtype);
          const run = (x: Tensor, f: typeof groupNorm) => {
            const [xr, w, b] = [x.detach(), tensor(w0, [8]), tensor(b0, [8])].map((t) => t.setRequiresGrad(true));
            const y = f(xr!, groups, w!, b!, { activation, eps: 1e-5 });
            y.to('float64').mul(tensor(probe, shape).to('float64')).sum().backward();
            return { y, grads: [xr!, w!, b!].map((t) => t.grad!.toFloat64Array()) };
          };
          const got = run(input, groupNorm);
          assert.equal(got.y.dtype, dtype, `${name}: dtype kept`);
          assert.equal(got.y.isChannelsLast, layout === 'channels-last', `${name}: layout kept`);
          // the reference sees the same (rounded) input, in float64
          const ref = run(input.to('float64').contiguous(), (x, g, w, b, o) =>
            composed(x, g, w!.to('float64'), b!.to('float64'), o!),
          );
          const err = relativeError(got.y.toFloat64Array(), ref.y.contiguous().toFloat64Array());
          assert.ok(err < tolerance, `${name}: values off by ${err}`);
          got.grads.forEach((g, k) => {
            const e = relativeError(g, ref.grads[k]!);
            assert.ok(e < tolerance * 5, `${name}: ${['input', 'weight', 'bias'][k]} gradient off by ${e}`);
          });
        });
  }
});

test("fused GroupNorm agrees with libtorch's group_norm in float32 to 1e-5, values and gradients", () => {
  const shape = [3, 32, 7, 7];
  const rng = new Rng(23);
  const x0 = rng.normals(shape.reduce((a, b) => a * b)),
    w0 = rng.normals(32),
    b0 = rng.normals(32);
  for (const layout of layouts)
    for (const activation of activations)
      tidy(() => {
        const run = (kernel: 'fused' | 'libtorch') => {
          const x = inLayout(tensor(Float32Array.from(x0), shape), layout).setRequiresGrad(true);
          const [w, b] = [tensor(w0, [32]), tensor(b0, [32])].map((t) => t.setRequiresGrad(true));
          const y = groupNorm(x, 8, w, b, { activation, kernel });
          y.square().sum().backward();
          return [y.contiguous(), x.grad!.contiguous(), w!.grad!, b!.grad!].map((t) => t.toFloat64Array());
        };
        const fused = run('fused'),
          reference = run('libtorch');
        fused.forEach((v, k) => {
          const e = relativeError(v, reference[k]!);
          assert.ok(
            e < 1e-5,
            `${layout} ${activation} ${['output', 'input grad', 'weight grad', 'bias grad'][k]}: ${e}`,
          );
        });
      });
});

test('every instruction-set variant of the kernel (AVX-512, AVX2, baseline) agrees with libtorch', () => {
  // Each variant is chosen once per process (DIFFLAB_GROUPNORM_ISA caps it): one child process per variant
  // prints the largest relative error per dtype over layouts and activations, values and input gradients.
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `
    const { Rng, groupNorm, tidy, ones } = await import(${JSON.stringify(index)});
    const rel = (a, b) => a.sub(b).square().sum().sqrt().item() / b.square().sum().sqrt().item();
    const worst = { float32: 0, bfloat16: 0 };
    for (const dtype of ['float32', 'bfloat16'])
      for (const cl of [false, true])
        for (const activation of ['none', 'silu'])
          tidy(() => {
            const rng = new Rng(27);
            const base = rng.randn([3, 40, 5, 7]), probe = rng.randn([3, 40, 5, 7]);
            const x = (cl ? base.channelsLast() : base).to(dtype);
            const run = (kernel) => {
              const xr = x.detach().setRequiresGrad(true);
              const y = groupNorm(xr, 8, ones([40]), null, { activation, kernel });
              y.to('float32').mul(probe).sum().backward(); // (sum y^2 has no gradient through a plain GroupNorm)
              return [y.to('float32'), xr.grad.to('float32')];
            };
            const [a, b] = [run('fused'), run('libtorch')];
            worst[dtype] = Math.max(worst[dtype], rel(a[0], b[0]), rel(a[1], b[1]));
          });
    console.log(JSON.stringify(worst));`;
  for (const isa of ['avx512', 'avx2', 'baseline']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, DIFFLAB_GROUPNORM_ISA: isa },
    });
    assert.equal(r.status, 0, r.stderr);
    const worst = JSON.parse(r.stdout) as { float32: number; bfloat16: number };
    assert.ok(worst.float32 < 1e-5, `${isa}: float32 relative error ${worst.float32}`);
    // bf16: the fused output is rounded to bf16 where libtorch's stays float32; gradients are bf16 on both sides
    assert.ok(worst.bfloat16 < 2e-2, `${isa}: bf16 relative error ${worst.bfloat16}`);
  }
});

test("the fused SiLU keeps its limits far outside exp's range (u = -200 gives -0, u = 200 gives 200), in every variant", () => {
  // The kernel's exp bounds its exponent rather than its argument (the form that vectorises without masked
  // lanes); far out, silu(u) must still be u for large u and 0 for very negative u, never NaN or garbage.
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `
    const { groupNorm, tensor, tidy } = await import(${JSON.stringify(index)});
    // One group of 2 channels x 4 pixels, each channel exactly +-1 after normalising: u = w * z + b.
    const x = tensor(Float32Array.from([1, -1, 1, -1, -1, 1, -1, 1]), [1, 2, 2, 2]);
    const out = {};
    for (const scale of [0.5, 30, 87, 90, 200, 1e4])
      tidy(() => {
        const w = tensor(Float32Array.from([scale, scale]), [2]);
        out[scale] = [...groupNorm(x, 1, w, null, { activation: 'silu' }).toFloat32Array()].slice(0, 2);
      });
    console.log(JSON.stringify(out));`;
  const silu = (u: number) => u / (1 + Math.exp(-u));
  for (const isa of ['avx512', 'avx2', 'baseline']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, DIFFLAB_GROUPNORM_ISA: isa },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, [number, number]>;
    for (const [scale, [plus, minus]] of Object.entries(out)) {
      const u = Number(scale) * (1 - 1e-5); // z is 1 / sqrt(1 + eps) here
      assert.ok(Math.abs(plus - silu(u)) <= 1e-5 * Math.max(1, u), `${isa}: silu(${u}) = ${plus}`);
      assert.ok(Math.abs(minus - silu(-u)) <= 1e-5, `${isa}: silu(${-u}) = ${minus}`);
    }
  }
});
