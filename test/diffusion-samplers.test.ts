// Every sampler, driven by the exact Gaussian-mixture denoiser, reproduces the mixture: 20,000 samples in 2-D and
// in 16-D, weights (by nearest component), means and covariances within 5 standard errors of the truth. Each
// sampler runs on its natural schedule with enough steps that its discretisation bias sits below that tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng,
  ddim,
  ddpm,
  dpmpp2m,
  edm,
  eulerMaruyama,
  gmmDenoiser,
  heun,
  predictorCorrector,
  setNumThreads,
  tidy,
  veSde,
  vpLinear,
  type Denoiser,
  type SamplerOptions,
  type Schedule,
  type Tensor,
} from '../src/index.js';
import { assertMatchesMixture, mixture16d, mixture2d } from './gmm-check.js';

const N = 20_000;
// Ops on (20000, 16) tensors gain little from a second thread, and lose much when the cores are shared: measured
// here, 13 s vs 21 s for the 1000-step DDPM run on a loaded 2-core machine.
setNumThreads(1);
type Sampler = (d: Denoiser, shape: readonly number[], o: SamplerOptions) => Tensor;
interface Case {
  name: string;
  sampler: Sampler;
  schedule: Schedule;
  options: Omit<SamplerOptions, 'rng'> & Record<string, unknown>;
  /** Dimensions to run in (the slow stochastic settings run in 2-D only). */
  dims: readonly (2 | 16)[];
}

// VE with lambda = 200 (sigma_max ~ 61) so that N(0, sigma_max^2) is close to the noised 16-D mixture.
const ve = veSde({ lambda: 200 });
const cases: Case[] = [
  { name: 'ddpm, posterior variance, all 1000 steps', sampler: ddpm, schedule: vpLinear(), options: {}, dims: [2] },
  {
    name: 'ddpm, beta variance, 250 strided steps',
    sampler: ddpm,
    schedule: vpLinear(),
    options: { numSteps: 250, variance: 'beta' },
    dims: [2, 16],
  },
  { name: 'ddim eta=0, 200 steps', sampler: ddim, schedule: vpLinear(), options: { numSteps: 200 }, dims: [2, 16] },
  {
    name: 'euler-maruyama, 300 steps',
    sampler: eulerMaruyama,
    schedule: ve,
    options: { numSteps: 300 },
    dims: [2, 16],
  },
  {
    name: 'predictor-corrector, 150 steps',
    sampler: predictorCorrector,
    schedule: ve,
    options: { numSteps: 150 },
    dims: [2, 16],
  },
  { name: 'heun, 40 steps', sampler: heun, schedule: edm(), options: { numSteps: 40 }, dims: [2, 16] },
  { name: 'dpm-solver++(2m), 60 steps', sampler: dpmpp2m, schedule: edm(), options: { numSteps: 60 }, dims: [2, 16] },
];

for (const c of cases) {
  for (const dim of c.dims) {
    test(`${c.name} reproduces the ${dim}-D mixture`, () => {
      const m = dim === 2 ? mixture2d : mixture16d;
      tidy(() => {
        const x = c.sampler(gmmDenoiser(m, c.schedule), [N, dim], {
          rng: new Rng(dim),
          dtype: 'float64',
          ...c.options,
        });
        assert.deepEqual(x.shape, [N, dim]);
        assertMatchesMixture(m, x, `${c.name} (${dim}-D)`);
      });
    });
  }
}

test('ddim with eta=1 is the strided DDPM posterior sampler (same noise, same samples)', () => {
  tidy(() => {
    const d = gmmDenoiser(mixture2d, vpLinear());
    const a = ddim(d, [64, 2], { rng: new Rng(3), dtype: 'float64', numSteps: 25, eta: 1 }).toFloat64Array();
    const b = ddpm(d, [64, 2], { rng: new Rng(3), dtype: 'float64', numSteps: 25 }).toFloat64Array();
    const err = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    assert.ok(err < 1e-9, `max |ddim(eta=1) - ddpm| = ${err}`);
  });
});

test('the check itself rejects samples from a different mixture', () => {
  tidy(() => {
    const wrong = { ...mixture2d, stds: mixture2d.stds.map((s) => s * 1.1) };
    const x = heun(gmmDenoiser(wrong, edm()), [N, 2], { rng: new Rng(2), dtype: 'float64', numSteps: 40 });
    assert.throws(() => assertMatchesMixture(mixture2d, x, 'wider mixture'), /cov/);
  });
});

/** The first x a sampler hands its denoiser (the mixture's, with `prior`): where it starts, 8 samples in 2-D. */
function firstX(c: (typeof cases)[number], prior: Pick<Denoiser, 'priorMean' | 'priorSpread'>): Float64Array {
  const d = gmmDenoiser(mixture2d, c.schedule);
  let first: Float64Array | null = null;
  const spy: Denoiser = {
    schedule: d.schedule,
    ...prior,
    denoise: (x, sigma, cond) => {
      first ??= x.toFloat64Array();
      return d.denoise(x, sigma, cond);
    },
  };
  tidy(() => c.sampler(spy, [8, 2], { rng: new Rng(5), dtype: 'float64', ...c.options, numSteps: 4 }));
  return first!;
}

test("every sampler starts at the denoiser's prior mean plus sigma_max noise, at 0 without one", () => {
  const priorMean = { data: Float32Array.from([3, -2]), shape: [2] };
  for (const c of cases) {
    const [at0, atMean] = [firstX(c, {}), firstX(c, { priorMean })];
    at0.forEach((v, i) => assert.ok(Math.abs(atMean[i]! - v - priorMean.data[i % 2]!) < 1e-9, `${c.name}, value ${i}`));
  }
});

test("ddpm on the seeds' T = 300 keeps a mixture's mean when it starts at it, and misses it from 0", () => {
  // sqrt(alpha_bar_T) = 0.22 of x0 is left at t = T: the noised data is centred on the mean, not on 0.
  const far = { ...mixture2d, means: mixture2d.means.map((m) => m.map((v) => v + 6)) };
  const mean = far.means[0]!.map((_, j) => far.weights.reduce((s, w, k) => s + w * far.means[k]![j]!, 0));
  const d = gmmDenoiser(far, vpLinear({ numTimesteps: 300 }));
  tidy(() => {
    const fromMean = ddpm({ ...d, priorMean: { data: Float32Array.from(mean), shape: [2] } }, [N, 2], {
      rng: new Rng(9),
      dtype: 'float64',
    });
    assertMatchesMixture(far, fromMean, 'ddpm T = 300 from the mean');
    const fromZero = ddpm(d, [N, 2], { rng: new Rng(9), dtype: 'float64' });
    assert.throws(() => assertMatchesMixture(far, fromZero, 'ddpm T = 300 from 0'));
  });
});

test("every sampler adds the prior spread's directions to the mean's start, after the same noise", () => {
  const prior = { priorMean: { data: Float32Array.from([3, -2]), shape: [2] } };
  const spread = { data: Float32Array.from([0.6, 0.8]), shape: [1, 2] }; // one direction, sd 1
  for (const c of cases) {
    const [atMean, atData] = [firstX(c, prior), firstX(c, { ...prior, priorSpread: spread })];
    let moved = 0;
    for (let i = 0; i < 8; i++) {
      const [dx, dy] = [atData[2 * i]! - atMean[2 * i]!, atData[2 * i + 1]! - atMean[2 * i + 1]!];
      assert.ok(Math.abs(dx * 0.8 - dy * 0.6) < 1e-6, `${c.name}, sample ${i}: moved off the spread's direction`);
      moved += Math.hypot(dx, dy);
    }
    assert.ok(moved > 1, `${c.name}: the spread moved the start by ${moved}`);
  }
});

test("ddpm on the seeds' T = 300 draws a wide mixture's weights from the data's Gaussian, too few of the rarer from the mean", () => {
  // x_T's law has the data's variance on top of sigma_max^2 = 19.8; along a mixture's wide axis (variance 15.4, as
  // MNIST's first direction on [-1, 1]: 20) a start with the mean's variance only draws too few of the rarer part.
  const wide = {
    weights: [0.75, 0.25],
    means: [
      [-2.25, 0],
      [6.75, 0],
    ],
    stds: [0.5, 0.5],
  };
  const sdX = Math.sqrt(0.75 * 2.25 ** 2 + 0.25 * 6.75 ** 2 + 0.25);
  const d = {
    ...gmmDenoiser(wide, vpLinear({ numTimesteps: 300 })),
    priorMean: { data: new Float32Array(2), shape: [2] },
  };
  tidy(() => {
    const fromData = ddpm({ ...d, priorSpread: { data: Float32Array.from([sdX, 0, 0, 0.5]), shape: [2, 2] } }, [N, 2], {
      rng: new Rng(9),
      dtype: 'float64',
    });
    assertMatchesMixture(wide, fromData, 'ddpm T = 300 from the data Gaussian');
    const fromMean = ddpm(d, [N, 2], { rng: new Rng(9), dtype: 'float64' });
    assert.throws(() => assertMatchesMixture(wide, fromMean, 'ddpm T = 300 from the mean'), /weight\[0\]/);
  });
});
