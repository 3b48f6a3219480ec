// Editing on a tiny trained model: per-image seeds, inpainting, SDEdit's end points, anagrams and hybrids
// reducing to class-conditional sampling. Each property is exact for any denoiser, so a few training steps do.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  PerSampleRng,
  ddim,
  ddpm,
  editGrid,
  frameRecorder,
  generate,
  hybridImage,
  indices,
  inpaint,
  loadDenoiser,
  boxMask,
  noGrad,
  sdedit,
  tidy,
  view,
  viewNames,
  visualAnagram,
  type LoadedDenoiser,
  type Tensor,
} from '../src/index.js';
import { tinyModelFile } from './editing-helpers.js';

let m: LoadedDenoiser;
before(async () => {
  m = loadDenoiser(await tinyModelFile());
});

const maxDiff = (a: Tensor, b: Tensor): number => tidy(() => a.sub(b).abs().max().item());
const shape = (n: number) => [n, ...m.imageShape];
const cls = (c: number, n: number) => indices(new Array<number>(n).fill(c));

test('per-image seeds: the first 4 images of a batch of 16 equal a batch of 4 with the same seed', () =>
  noGrad(() =>
    tidy(() => {
      const o = { sampler: ddim, imageShape: m.imageShape, seed: 7, numSteps: 5, classes: null };
      const a = generate(m.denoiser, { ...o, count: 16, batchSize: 16 }).slice(0, 0, 4);
      const b = generate(m.denoiser, { ...o, count: 4 });
      const c = generate(m.denoiser, { ...o, count: 16, batchSize: 3 }).slice(0, 0, 4); // batches of 3, 1 from the 2nd
      // Same noise; only libtorch's float32 kernels may sum in another order for another batch size.
      const tol =
        1e-3 *
        Math.max(
          1,
          tidy(() => b.abs().max().item()),
        );
      assert.ok(maxDiff(a, b) < tol, `batch 16 vs 4: ${maxDiff(a, b)}`);
      assert.ok(maxDiff(c, b) < tol, `batches of 3 vs 4: ${maxDiff(c, b)}`);
      const other = generate(m.denoiser, { ...o, count: 4, seed: 8 });
      assert.ok(maxDiff(other, b) > 0.1, 'another seed gives other images');
    }),
  ));

test('inpainting keeps the known region exactly and changes the hole (also with RePaint resampling)', () =>
  noGrad(() =>
    tidy(() => {
      const image = PerSampleRng.of(3, 2).randn(shape(2)).clamp(-1, 1);
      const mask = boxMask(28, { x: 6, y: 8, w: 12, h: 10 });
      for (const resampleSteps of [1, 2]) {
        const out = inpaint(m.denoiser, image, {
          sampler: ddpm,
          rng: PerSampleRng.of(0, 2),
          numSteps: 6,
          mask,
          resampleSteps,
        });
        const keep = mask.neg().add(1);
        assert.ok(maxDiff(out.mul(keep), image.mul(keep)) < 1e-6, `known region changed (r=${resampleSteps})`);
        const hole = tidy(() => out.sub(image).mul(mask).abs().sum().item() / (2 * 12 * 10));
        assert.ok(hole > 0.05, `the hole barely changed: mean |diff| ${hole} (r=${resampleSteps})`);
      }
    }),
  ));

test('SDEdit: strength 0 returns the input; full strength equals unconditional sampling from the same seed', () =>
  noGrad(() =>
    tidy(() => {
      const image = PerSampleRng.of(5, 2).randn(shape(2)).clamp(-1, 1);
      const o = { sampler: ddpm, numSteps: 8 };
      const zero = sdedit(m.denoiser, image, { ...o, rng: PerSampleRng.of(1, 2), strength: 0 });
      assert.equal(maxDiff(zero, image), 0);
      const full = sdedit(m.denoiser, image, { ...o, rng: PerSampleRng.of(1, 2), strength: 1 });
      const sigmas = editGrid(m.denoiser, { ...o, rng: PerSampleRng.of(1, 2) });
      const plain = ddpm(m.denoiser, shape(2), { rng: PerSampleRng.of(1, 2), sigmas });
      assert.equal(maxDiff(full, plain), 0);
      assert.deepEqual(
        sdedit(m.denoiser, image, { ...o, rng: PerSampleRng.of(1, 2), startStep: 0 }).toFloat32Array(),
        full.toFloat32Array(),
      );
      const mid = sdedit(m.denoiser, image, { ...o, rng: PerSampleRng.of(1, 2), startStep: 6 });
      assert.ok(
        maxDiff(mid, image) > 0 && maxDiff(mid, image) < maxDiff(full, image),
        'a late start stays closer to the input',
      );
    }),
  ));

test('anagram with the identity view and A = B is class-conditional sampling', () =>
  noGrad(() =>
    tidy(() => {
      const d = visualAnagram(m.denoiser, { condA: cls(3, 2), condB: cls(3, 2), view: view('identity') });
      const a = ddim(d, shape(2), { rng: PerSampleRng.of(2, 2), numSteps: 5 });
      const b = ddim(m.denoiser, shape(2), { rng: PerSampleRng.of(2, 2), numSteps: 5, cond: cls(3, 2) });
      assert.ok(maxDiff(a, b) < 1e-6, `max diff ${maxDiff(a, b)}`);
    }),
  ));

test('hybrid with equal classes is class-conditional sampling', () =>
  noGrad(() =>
    tidy(() => {
      const d = hybridImage(m.denoiser, {
        condLow: cls(7, 2),
        condHigh: cls(7, 2),
        blur: { kernelSize: 33, sigma: 2 },
      });
      const a = ddim(d, shape(2), { rng: PerSampleRng.of(4, 2), numSteps: 5 });
      const b = ddim(m.denoiser, shape(2), { rng: PerSampleRng.of(4, 2), numSteps: 5, cond: cls(7, 2) });
      assert.ok(maxDiff(a, b) < 1e-6, `max diff ${maxDiff(a, b)}`);
    }),
  ));

test("anagram and hybrid start where an image that is a sample in every view starts: the model's data Gaussian, averaged over the views", () =>
  tidy(() => {
    const mean = m.denoiser.priorMean!;
    assert.deepEqual(mean.shape, m.imageShape, 'the tiny model file holds its data mean');
    const c = { condA: cls(1, 1), condB: cls(2, 1) };
    assert.equal(hybridImage(m.denoiser, { condLow: c.condA, condHigh: c.condB }).priorMean, mean);
    assert.equal(hybridImage(m.denoiser, { condLow: c.condA, condHigh: c.condB }).priorSpread, m.denoiser.priorSpread);
    const negated = visualAnagram(m.denoiser, { ...c, view: view('negate') });
    assert.ok(negated.priorMean!.data.every((v) => v === 0));
    assert.ok(negated.priorSpread!.data.every((v) => v === 0));
    const spread = m.denoiser.priorSpread!,
      flippedSpread = visualAnagram(m.denoiser, { ...c, view: view('flip') }).priorSpread!;
    assert.deepEqual(flippedSpread.shape, spread.shape);
    const flipped = visualAnagram(m.denoiser, { ...c, view: view('flip') }).priorMean!;
    const [, h, w] = m.imageShape;
    flipped.data.forEach((v, i) => {
      const [y, x] = [Math.floor(i / w) % h, i % w];
      const mirror = mean.data[i - y * w + (h - 1 - y) * w]!;
      assert.ok(Math.abs(v - (mean.data[i]! + mirror) / 2) < 1e-6, `pixel ${x}, ${y}`);
    });
    const per = mean.data.length;
    flippedSpread.data.forEach((v, i) => {
      const p = i % per,
        y = Math.floor(p / w) % h;
      const mirror = spread.data[i - y * w + (h - 1 - y) * w]!;
      assert.ok(Math.abs(v - (spread.data[i]! + mirror) / 2) < 1e-6, `direction ${Math.floor(i / per)}, value ${p}`);
    });
  }));

test('every anagram view is inverted exactly', () =>
  tidy(() => {
    const x = PerSampleRng.of(0, 2).randn(shape(2));
    for (const name of viewNames) {
      const v = view(name);
      assert.equal(maxDiff(v.invert(v.apply(x)), x), 0, name);
      if (name !== 'identity') assert.ok(maxDiff(v.apply(x), x) > 0, `${name} changes the image`);
    }
  }));

test('the frame recorder takes the chosen steps, the last included', () =>
  noGrad(() =>
    tidy(() => {
      const r = frameRecorder({ numSteps: 10, maxFrames: 4, content: 'both', grid: { nrow: 2, padding: 0 } });
      ddim(m.denoiser, shape(2), { rng: PerSampleRng.of(0, 2), numSteps: 10, onStep: r.onStep });
      assert.equal(r.frames.length, 4);
      assert.deepEqual([r.frames[0]!.width, r.frames[0]!.height], [2 * 56, 28]); // x_t | x0 side by side, 2 per row
    }),
  ));
