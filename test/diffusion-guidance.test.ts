// Guidance, conditioning, start points and per-step hooks: the combinators compose with every sampler, and a
// sampler's loop releases its tensors as it goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng,
  classifierFreeGuidance,
  ddim,
  ddpm,
  dpmpp2m,
  edm,
  eulerMaruyama,
  fromNetwork,
  fromX0,
  gmmDenoiser,
  heun,
  indices,
  noiseLevel,
  perRow,
  predictorCorrector,
  sampleMixture,
  tidy,
  timeSigmas,
  veSde,
  vpCosine,
  vpLinear,
  type Denoiser,
  type NetworkFn,
  type Tensor,
} from '../src/index.js';
import { fitByNearestMean, mixture2d } from './gmm-check.js';

const maxAbsDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item();
const classes = (c: number, n: number) => indices(new Array<number>(n).fill(c));

test('classifier-free guidance: w=0 is unconditional, w=1 conditional, w=3 is eps_u + 3 (eps_c - eps_u)', () =>
  tidy(() => {
    const d = gmmDenoiser(mixture2d, vpLinear()),
      sigma = 0.8;
    const x = new Rng(1).randn([32, 2], { dtype: 'float64' }).mul(2),
      cond = classes(1, 32);
    const [u, c] = [d.denoise(x, sigma, null), d.denoise(x, sigma, cond)];
    assert.equal(
      maxAbsDiff(d.denoise(x, new Array<number>(32).fill(sigma), cond), c),
      0,
      'one level per row = one for the batch',
    );
    assert.equal(maxAbsDiff(classifierFreeGuidance(d, { scale: 0 }).denoise(x, sigma, cond), u), 0);
    assert.equal(maxAbsDiff(classifierFreeGuidance(d, { scale: 1 }).denoise(x, sigma, cond), c), 0);
    const epsU = x.sub(u).div(sigma),
      epsC = x.sub(c).div(sigma);
    const eps = epsU.add(epsC.sub(epsU).mul(3));
    assert.ok(
      maxAbsDiff(classifierFreeGuidance(d, { scale: 3 }).denoise(x, sigma, cond), x.sub(eps.mul(sigma))) < 1e-12,
    );
  }));

test('fromNetwork: a network predicting eps, v or score in its own frame gives back the exact denoiser', () =>
  tidy(() => {
    const x = new Rng(8).randn([16, 2], { dtype: 'float64' }).mul(1.5);
    for (const schedule of [vpLinear(), vpCosine(), veSde()]) {
      const exact = gmmDenoiser(mixture2d, schedule);
      for (const prediction of ['eps', 'v', 'score', 'x0'] as const) {
        // The network sees x_t = alpha x0 + sigma eps and the time t / tMax; it answers from the exact denoiser.
        const net = (xt: Tensor, t: Tensor) => {
          const ts = Array.from(t.toFloat64Array(), (u) => u * schedule.tMax);
          const c = {
            a: perRow(
              ts.map((v) => schedule.alpha(v)),
              xt,
            ),
            b: perRow(
              ts.map((v) => schedule.sigma(v)),
              xt,
            ),
          };
          return fromX0(
            prediction,
            exact.denoise(
              xt.div(c.a),
              ts.map((v) => noiseLevel(schedule, v)),
              null,
            ),
            xt,
            c,
          );
        };
        const wrapped = fromNetwork(net, { schedule, prediction });
        for (const t of [schedule.tMin, (schedule.tMin + schedule.tMax) / 2, schedule.tMax]) {
          const sigma = noiseLevel(schedule, t);
          const err = maxAbsDiff(wrapped.denoise(x, sigma, null), exact.denoise(x, sigma, null));
          assert.ok(err < 1e-9, `${schedule.name}/${prediction} at t=${t}: ${err}`);
        }
      }
    }
  }));

test('guided sampling works with every sampler: class 2 yields only component 2', () =>
  tidy(() => {
    const guided = classifierFreeGuidance(gmmDenoiser(mixture2d, edm()), { scale: 1 });
    const n = 400,
      cond = classes(2, n);
    for (const sampler of [ddpm, ddim, eulerMaruyama, predictorCorrector, heun, dpmpp2m]) {
      const x = sampler(guided, [n, 2], { rng: new Rng(4), cond, numSteps: 30, dtype: 'float64' });
      assert.deepEqual(fitByNearestMean(mixture2d, x).counts, [0, 0, n], sampler.name);
    }
  }));

test('a sampler releases every tensor of its loop (memory stays flat over many steps)', () =>
  tidy(() => {
    const made: Tensor[] = [],
      seen: Tensor[] = [];
    const base = gmmDenoiser(mixture2d, vpLinear());
    const recording: Denoiser = {
      schedule: base.schedule,
      denoise: (x, s, c) => {
        const y = base.denoise(x, s, c);
        made.push(y);
        return y;
      },
    };
    for (const sampler of [ddpm, dpmpp2m, heun]) {
      const out = sampler(recording, [16, 2], {
        rng: new Rng(5),
        numSteps: 40,
        onStep: ({ x, x0 }) => {
          seen.push(x, x0);
        },
      });
      const alive = [...made, ...seen].filter((t) => !t.isDisposed && t !== out);
      assert.equal(
        alive.length,
        0,
        `${sampler.name}: ${alive.length} tensors still alive after ${made.length} evaluations`,
      );
      made.length = 0;
      seen.length = 0;
    }
  }));

test('onStep may replace x (an inpainting-style hook)', () =>
  tidy(() => {
    const d = gmmDenoiser(mixture2d, vpLinear());
    const x = ddim(d, [8, 2], {
      rng: new Rng(6),
      numSteps: 10,
      onStep: ({ x, step }) => (step === 9 ? x.mul(0).add(7) : undefined),
    });
    assert.deepEqual(Array.from(x.toFloat32Array()), new Array(16).fill(7));
  }));

test('SDEdit: starting from a lightly noised x at a late step stays near it; the start tensor is untouched', () =>
  tidy(() => {
    const d = gmmDenoiser(mixture2d, vpLinear()),
      rng = new Rng(7);
    const clean = sampleMixture(mixture2d, 64, rng).x;
    const step = 45,
      sigmas = timeSigmas(d.schedule, 50); // ddim's grid for numSteps 50
    const start = clean.add(rng.randn([64, 2], { dtype: 'float64' }).mul(sigmas[step]!));
    const x = ddim(d, [64, 2], { rng, numSteps: 50, start: { x: start, step } });
    assert.ok(!start.isDisposed);
    const meanDistance = x.sub(clean).square().sum(1).sqrt().mean().item();
    assert.ok(meanDistance < 2 * sigmas[step]!, `moved ${meanDistance} on average from noise level ${sigmas[step]}`);
  }));

test('fromNetwork with clipX0 keeps x0 estimates in the data range; without it they follow the network', () =>
  tidy(() => {
    const schedule = vpLinear();
    const wild: NetworkFn = (xt) => xt.mul(0).add(50); // an untrained eps-network's large outputs
    const x = new Rng(3).randn([4, 2], { dtype: 'float64' });
    const sigma = 20;
    const clipped = fromNetwork(wild, { schedule, prediction: 'eps', clipX0: [-1, 1] }).denoise(x, sigma, null);
    assert.ok(clipped.abs().max().item() <= 1);
    const raw = fromNetwork(wild, { schedule, prediction: 'eps' }).denoise(x, sigma, null);
    assert.ok(raw.abs().max().item() > 100);
  }));
