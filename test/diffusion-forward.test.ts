// Schedules, the forward process, the posterior, the prediction conversions and the objectives: exact cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng,
  addNoise,
  alphaBar,
  convertPrediction,
  defaultObjective,
  diffusionLoss,
  edm,
  fromNetwork,
  fromX0,
  karrasSigmas,
  EDM_SIGMA_MAX,
  EDM_SIGMA_DATA,
  networkInput,
  networkTime,
  noiseLevel,
  perRow,
  posterior,
  stepGrid,
  sampleTimes,
  tensor,
  tidy,
  timeGrid,
  timeSigmas,
  toX0,
  veSde,
  vpCosine,
  vpLinear,
  vpSigmoid,
  type Denoiser,
  type NetworkFn,
  type NoiseLevelDraw,
  type Objective,
  type Prediction,
  type Schedule,
  type Tensor,
} from '../src/index.js';

const close = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} +- ${tol}`);
const maxAbsDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item();

test('linear schedule: DDPM betas 1e-4..0.02 over T=1000', () => {
  const s = vpLinear();
  close(alphaBar(s, 1), 1 - 1e-4, 1e-15, 'alpha_bar_1');
  close(alphaBar(s, 2) / alphaBar(s, 1), 1 - (1e-4 + 0.0199 / 999), 1e-15, 'alpha_2');
  close(alphaBar(s, 1000) / alphaBar(s, 999), 1 - 0.02, 1e-15, 'alpha_T');
  close(alphaBar(s, 1000), 4.0358e-5, 1e-8, 'alpha_bar_T');
});

test('every schedule: alpha_bar decreases, and timeAt inverts the noise level', () => {
  const schedules: Schedule[] = [vpLinear(), vpCosine(), vpSigmoid(), veSde(), edm()];
  for (const s of schedules) {
    const ts = timeGrid(s, 57).reverse();
    for (let i = 1; i < ts.length; i++)
      assert.ok(alphaBar(s, ts[i]!) < alphaBar(s, ts[i - 1]!), `${s.name} at t=${ts[i]}`);
    for (const t of [...ts, s.tMin + 0.37 * (s.tMax - s.tMin)]) {
      close(s.timeAt(noiseLevel(s, t)), t, 1e-9 * Math.max(1, t), `${s.name} timeAt(noiseLevel(${t}))`);
    }
  }
});

test('VE SDE: sigma_t^2 = (lambda^(2t) - 1) / (2 ln lambda)', () => {
  const s = veSde({ lambda: 25 });
  for (const t of [1e-3, 0.3, 1])
    close(s.sigma(t) ** 2, (25 ** (2 * t) - 1) / (2 * Math.log(25)), 1e-12, `sigma^2 at ${t}`);
  assert.equal(s.alpha(0.5), 1);
});

test('EDM schedule: evenly spaced times are the Karras rho=7 grid', () => {
  const grid = timeSigmas(edm(), 18),
    karras = karrasSigmas(18, 0.002, 80);
  grid.forEach((v, i) => close(v, karras[i]!, 1e-12 * Math.max(1, v), `sigma_${i}`));
});

test("Karras grids top at EDM's sigma_max = 80, or at the schedule's own maximum where that is lower", () => {
  const top = (schedule: Schedule, sampler: 'dpmpp-2m' | 'heun') =>
    stepGrid(sampler, { schedule } as Denoiser, { numSteps: 10 })[0]!;
  assert.ok(noiseLevel(vpCosine(), 1000) > 1e4, 'the cosine schedule reaches sigma ~ 2e4 at t = T');
  assert.equal(top(vpCosine(), 'dpmpp-2m'), EDM_SIGMA_MAX);
  assert.equal(top(vpLinear(), 'heun'), EDM_SIGMA_MAX); // 157 at t = T
  const ve = veSde({ lambda: 25 });
  close(top(ve, 'dpmpp-2m'), ve.sigma(1), 1e-12, "VE's sigma(1) = 6.6 is below the cap");
  const grid = stepGrid('dpmpp-2m', { schedule: vpCosine() } as Denoiser, { numSteps: 10 });
  assert.equal(grid.length, 11);
  close(grid[9]!, noiseLevel(vpCosine(), 1), 1e-12, 'the bottom stays at the schedule sigma_min');
});

test('timestep spacings (Lin et al. 2024, Table 2) for T=1000, 10 steps', () => {
  const s = vpLinear();
  assert.deepEqual(timeGrid(s, 10, 'linspace'), [1000, 889, 778, 667, 556, 445, 334, 223, 112, 1]);
  assert.deepEqual(timeGrid(s, 10, 'leading'), [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
  assert.deepEqual(timeGrid(s, 10, 'trailing'), [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100]);
  assert.deepEqual(timeGrid(s, 10), timeGrid(s, 10, 'linspace'), 'linspace is the default');
});

test('a grid from part way down (the iterative denoising from t) is the same linspace from that time', () => {
  const s = vpLinear();
  assert.deepEqual(timeGrid(s, 5, 'linspace', 500), [500, 375, 251, 126, 1]);
  assert.deepEqual(timeGrid(s, 10, 'linspace', 1000), timeGrid(s, 10), 'from T: the whole grid');
  assert.throws(() => timeGrid(s, 6, 'linspace', 5), /6 steps from t = 5 repeat times \(at most 5\)/);
  assert.throws(() => timeGrid(s, 2, 'linspace', 2.5), /top must be a time in \[1, 1000\]/);
  const ve = veSde({ lambda: 25 });
  const g = timeGrid(ve, 3, 'linspace', 0.5);
  assert.deepEqual([g[0], g[2]], [0.5, ve.tMin]);
  close(g[1]!, (0.5 + ve.tMin) / 2, 1e-15, 'evenly spaced');
});

test('addNoise has mean sqrt(alpha_bar) x0 and variance 1 - alpha_bar', () =>
  tidy(() => {
    const s = vpLinear(),
      n = 200_000,
      t = 400,
      x0 = 1.5;
    const xt = addNoise(s, {
      x0: tensor(new Float64Array(n).fill(x0), [n, 1]),
      t,
      noise: new Rng(1).randn([n, 1], { dtype: 'float64' }),
    });
    const ab = alphaBar(s, t),
      mean = xt.mean().item(),
      variance = xt.variance().item();
    close(mean, Math.sqrt(ab) * x0, 5 * Math.sqrt((1 - ab) / n), 'mean');
    close(variance, 1 - ab, 5 * (1 - ab) * Math.sqrt(2 / n), 'variance');
    // One time per row: row i is noised at its own t.
    const rows = addNoise(s, {
      x0: tensor(new Float64Array([x0, x0]), [2, 1]),
      t: [1, 1000],
      noise: tensor(new Float64Array([0, 0]), [2, 1]),
    });
    assert.deepEqual(Array.from(rows.toFloat64Array()), [
      Math.sqrt(alphaBar(s, 1)) * x0,
      Math.sqrt(alphaBar(s, 1000)) * x0,
    ]);
  }));

test('the strided posterior with stride 1 is DDPM eq. 7, and the strided formula of iterative denoising', () =>
  tidy(() => {
    const s = vpLinear(),
      rng = new Rng(2);
    const xt = rng.randn([8, 3], { dtype: 'float64' }),
      x0 = rng.randn([8, 3], { dtype: 'float64' });
    const beta = (t: number) => 1e-4 + ((t - 1) * (0.02 - 1e-4)) / 999;
    let ab = 1;
    const abs = [1, ...Array.from({ length: 1000 }, (_, i) => (ab *= 1 - beta(i + 1)))];
    for (const [t, tp] of [
      [500, 499],
      [2, 1],
      [1, 0],
      [700, 670],
    ] as const) {
      // The course material's strided step: alpha = alpha_bar_t / alpha_bar_t', beta = 1 - alpha (= DDPM's beta_t when t' = t-1).
      const alpha = abs[t]! / abs[tp]!,
        b = 1 - alpha;
      const mean = x0
        .mul((Math.sqrt(abs[tp]!) * b) / (1 - abs[t]!))
        .add(xt.mul((Math.sqrt(alpha) * (1 - abs[tp]!)) / (1 - abs[t]!)));
      const q = posterior(s, { xt, x0, t, s: tp });
      assert.ok(maxAbsDiff(q.mean, mean) < 1e-12, `mean at t=${t}, t'=${tp}`);
      close(q.std ** 2, ((1 - abs[tp]!) / (1 - abs[t]!)) * b, 1e-15, `variance at t=${t}, t'=${tp}`);
    }
  }));

test('eps <-> x0 <-> v <-> score <-> scaled-score round-trip, for VP and VE coefficients, scalar and per row', () =>
  tidy(() => {
    const rng = new Rng(3),
      x0 = rng.randn([4, 5], { dtype: 'float64' }),
      eps = rng.randn([4, 5], { dtype: 'float64' });
    const kinds: Prediction[] = ['eps', 'x0', 'v', 'score', 'scaled-score', 'edm'];
    const perRowA = tensor(new Float64Array([0.9, 0.5, 0.1, 0.99]), [4, 1]);
    const coefs = [
      { a: 0.6, b: 0.8 },
      { a: 1, b: 3.5 },
      { a: perRowA, b: perRowA.square().neg().add(1).sqrt() },
    ];
    for (const c of coefs) {
      const x = x0.mul(c.a).add(eps.mul(c.b));
      assert.ok(maxAbsDiff(fromX0('eps', x0, x, c), eps) < 1e-12, 'eps from x0');
      assert.ok(maxAbsDiff(fromX0('v', x0, x, c), eps.mul(c.a).sub(x0.mul(c.b))) < 1e-12, 'v = a eps - b x0');
      assert.ok(maxAbsDiff(fromX0('score', x0, x, c), eps.div(c.b).neg()) < 1e-12, 'score = -eps / b');
      assert.ok(maxAbsDiff(fromX0('scaled-score', x0, x, c), eps.neg()) < 1e-12, 'scaled-score = b score = -eps');
      for (const from of kinds) {
        const pred = fromX0(from, x0, x, c);
        assert.ok(maxAbsDiff(toX0(from, pred, x, c), x0) < 1e-12, `${from} -> x0`);
        for (const to of kinds) {
          assert.ok(
            maxAbsDiff(convertPrediction(pred, x, c, { from, to }), fromX0(to, x0, x, c)) < 1e-11,
            `${from} -> ${to}`,
          );
        }
      }
    }
  }));

test('objectives vanish for the exact network of a point mass (DDPM eps loss, VE score matching, x0, v)', () =>
  tidy(() => {
    const x0 = tensor(new Float64Array(6 * 3).fill(0.7), [6, 3]);
    for (const [schedule, prediction] of [
      [vpLinear(), 'eps'],
      [veSde(), 'score'],
      [veSde(), 'scaled-score'],
      [vpCosine(), 'x0'],
      [vpLinear(), 'v'],
    ] as const) {
      // For data at c, E[x0 | x_t] = c exactly, so the true prediction follows from x0 = c.
      const net = (x: Tensor, t: Tensor) => {
        const ts = Array.from(t.toFloat64Array(), (u) => u * schedule.tMax); // networks see t / tMax
        const c = {
          a: tensor(
            Float64Array.from(ts, (v) => schedule.alpha(v)),
            [6, 1],
          ),
          b: tensor(
            Float64Array.from(ts, (v) => schedule.sigma(v)),
            [6, 1],
          ),
        };
        return fromX0(prediction, x0, x, c);
      };
      const loss = diffusionLoss(fromNetwork(net, { schedule, prediction }), x0, {
        objective: defaultObjective(prediction),
        rng: new Rng(4),
      });
      assert.deepEqual(loss.shape, [6]);
      assert.ok(loss.max().item() < 1e-18, `${schedule.name}/${prediction}: loss ${loss.max().item()}`);
    }
  }));

test('min-SNR weighting gives weight min(SNR, gamma) in x0 space', () =>
  tidy(() => {
    const s = vpLinear(),
      n = 64,
      delta = 0.1,
      gamma = 5;
    const x0 = tensor(new Float64Array(n * 2).fill(-0.3), [n, 2]);
    const t = sampleTimes(s, n, new Rng(9)); // the loss draws its times first, from the same seed
    const expected = t.map((ti) => delta * delta * Math.min(alphaBar(s, ti) / (1 - alphaBar(s, ti)), gamma));
    const offByDelta = () => x0.add(delta); // an x0 prediction that is off by delta everywhere
    for (const objective of ['x0', 'eps', 'v'] as const) {
      const loss = diffusionLoss(fromNetwork(offByDelta, { schedule: s, prediction: 'x0' }), x0, {
        objective,
        rng: new Rng(9),
        minSnrGamma: gamma,
      });
      const got = loss.toFloat64Array();
      expected.forEach((w, i) => close(got[i]!, w, 1e-9 * Math.max(1, w), `${objective} row ${i} (t=${t[i]})`));
    }
  }));

interface ObjectiveCase {
  schedule: Schedule;
  prediction: Prediction;
  objective: Objective;
  minSnrGamma?: number;
  noiseLevels?: NoiseLevelDraw;
  seed: number;
}

/** The loss as measured before it went through the denoiser: the network's output, in the objective's space. */
function objectiveSpaceLoss(net: NetworkFn, x0: Tensor, o: ObjectiveCase): number[] {
  const s = o.schedule,
    rng = new Rng(o.seed),
    gamma = o.minSnrGamma;
  const t = sampleTimes(s, x0.shape[0]!, rng, o.noiseLevels);
  const noise = rng.randn(x0.shape, { dtype: 'float64' });
  const xt = addNoise(s, { x0, t, noise });
  const ta = t.map((ti) => s.alpha(ti)),
    tb = t.map((ti) => s.sigma(ti)),
    c = { a: perRow(ta, x0), b: perRow(tb, x0) };
  const input = networkInput(o.prediction, xt, c);
  const pred = convertPrediction(net(input, networkTime(s, t, x0), null), xt, c, {
    from: o.prediction,
    to: o.objective,
  });
  const sd = EDM_SIGMA_DATA;
  const target =
    o.objective === 'x0'
      ? x0
      : o.objective === 'eps'
        ? noise
        : o.objective === 'v'
          ? noise.mul(c.a).sub(x0.mul(c.b))
          : (() => {
              // Karras et al. 2022 eq. 8: F's target (x0 - c_skip x) / c_out on x = x0 + sigma eps
              const sigma = perRow(
                  t.map((ti) => noiseLevel(s, ti)),
                  x0,
                ) as Tensor,
                total = sigma.square().add(sd * sd);
              const skip = total.reciprocal().mul(sd * sd),
                out = sigma.mul(sd).div(total.sqrt());
              return x0.sub(x0.add(noise.mul(sigma)).mul(skip)).div(out);
            })();
  const err = pred.sub(target).square().mean([1]).toFloat64Array();
  return Array.from(err, (e, i) => {
    if (gamma === undefined) return e;
    const snr = (ta[i]! / tb[i]!) ** 2,
      l2 = 1 / snr,
      implied = {
        x0: 1,
        eps: snr,
        v: (ta[i]! ** 2 + tb[i]! ** 2) ** 2 / tb[i]! ** 2,
        edm: (l2 + sd * sd) / (l2 * sd * sd),
      }[o.objective];
    return (e * Math.min(snr, gamma)) / implied; // min-SNR: weight min(SNR, gamma) in x0 space
  });
}

test('the loss through the denoiser equals the objective-space loss of the network (eps, x0, v, score, scaled-score, edm; min-SNR; log-normal levels)', () =>
  tidy(() => {
    const n = 32,
      x0 = new Rng(11).randn([n, 4], { dtype: 'float64' }).mul(0.6);
    const net: NetworkFn = (xt, t) =>
      xt
        .mul(0.8)
        .add(t.reshape([n, 1]).mul(2))
        .sin()
        .add(xt.mul(0.3)); // any smooth network
    const cases = [
      [vpLinear(), ['eps', 'x0', 'v']],
      [vpCosine(), ['eps', 'x0', 'v']],
      [veSde(), ['score', 'scaled-score']],
      [edm(), ['edm', 'eps']],
      [vpCosine(), ['edm']],
    ] as const;
    for (const [schedule, predictions] of cases) {
      for (const prediction of predictions) {
        for (const objective of ['eps', 'x0', 'v', 'edm'] as const) {
          for (const minSnrGamma of [undefined, 5]) {
            for (const noiseLevels of ['uniform', 'lognormal'] as const) {
              const what = `${schedule.name}/${prediction} in ${objective} space, gamma ${minSnrGamma}, ${noiseLevels}`;
              const o = { schedule, prediction, objective, minSnrGamma, noiseLevels, seed: 12 };
              const want = objectiveSpaceLoss(net, x0, o);
              const d = fromNetwork(net, { schedule, prediction });
              const got = diffusionLoss(d, x0, { objective, minSnrGamma, noiseLevels, rng: new Rng(12) });
              const g = got.toFloat64Array();
              want.forEach((w, i) => close(g[i]!, w, 1e-10 * w, `${what}, row ${i}`));
            }
          }
        }
      }
    }
  }));
