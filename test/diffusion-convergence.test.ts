// Convergence order of the deterministic samplers on the probability-flow ODE: from the same starting points and on
// the same Karras grid, each solution approaches a fine-grid reference as the steps grow, at rate h^1 for
// DDIM (Euler) and h^2 for Heun and DPM-Solver++(2M); at equal network evaluations the second-order ones win.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rng,
  ddim,
  dpmpp2m,
  edm,
  gmmDenoiser,
  heun,
  karrasSigmas,
  keep,
  setNumThreads,
  tidy,
  type Denoiser,
  type SamplerOptions,
  type Tensor,
} from '../src/index.js';

setNumThreads(1); // small tensors: a second thread only adds contention on the shared 2-core machine

const [SIGMA_MIN, SIGMA_MAX, B] = [0.002, 80, 2000];
type Sampler = (d: Denoiser, shape: readonly number[], o: SamplerOptions) => Tensor;
// Broad, overlapping components: the ODE is smooth enough that 20-80 steps are already in the asymptotic regime
// (with narrow, far-apart components a few trajectories flip component and dominate the error).
const mixture = {
  weights: [0.6, 0.4],
  means: [
    [-1, 0.5],
    [1, -0.5],
  ],
  stds: [0.5, 0.7],
};
const d = gmmDenoiser(mixture, edm({ sigmaMin: SIGMA_MIN, sigmaMax: SIGMA_MAX }));
const start = keep(new Rng(5).randn([B, 2], { dtype: 'float64' }).mul(SIGMA_MAX));

function solve(sampler: Sampler, numSteps: number): Float64Array {
  return tidy(() =>
    sampler(d, [B, 2], {
      rng: new Rng(0),
      sigmas: karrasSigmas(numSteps, SIGMA_MIN, SIGMA_MAX),
      start: { x: start, step: 0 },
    }).toFloat64Array(),
  );
}
const reference = solve(heun, 1000);
/** Root-mean-square distance of a solution to the reference. */
const rmsError = (x: Float64Array) => Math.sqrt(x.reduce((a, v, i) => a + (v - reference[i]!) ** 2, 0) / B);

const orders: [string, Sampler, number][] = [
  ['ddim', ddim, 1],
  ['heun', heun, 2],
  ['dpm-solver++(2m)', dpmpp2m, 2],
];
const errors = new Map(orders.map(([name, s]) => [name, [20, 40, 80].map((n) => rmsError(solve(s, n)))]));

for (const [name, , order] of orders) {
  test(`${name} converges at order ${order} to the probability-flow ODE solution`, () => {
    const e = errors.get(name)!;
    assert.ok(
      e[0]! > e[1]! && e[1]! > e[2]!,
      `${name}: error must shrink with steps, got ${e.map((v) => v.toExponential(2))}`,
    );
    const observed = Math.log2(e[1]! / e[2]!); // halving the step
    assert.ok(Math.abs(observed - order) < 0.5, `${name}: observed order ${observed.toFixed(2)}, expected ${order}`);
  });
}

test('at equal evaluations Heun and DPM-Solver++(2M) are more accurate than DDIM', () => {
  // Heun with 40 steps uses 79 evaluations; the others use one per step.
  const ddimErr = rmsError(solve(ddim, 80)),
    heunErr = errors.get('heun')![1]!,
    dpmErr = errors.get('dpm-solver++(2m)')![2]!;
  assert.ok(
    heunErr < ddimErr / 2,
    `heun ${heunErr.toExponential(2)} vs ddim ${ddimErr.toExponential(2)} at ~80 evaluations`,
  );
  assert.ok(
    dpmErr < ddimErr / 4,
    `dpm++ ${dpmErr.toExponential(2)} vs ddim ${ddimErr.toExponential(2)} at 80 evaluations`,
  );
});

test('Heun with enough steps is near-exact (within 1e-3 of the reference)', () => {
  const e = rmsError(solve(heun, 200));
  assert.ok(e < 1e-3, `heun(200) vs heun(1000): ${e.toExponential(2)}`);
});
