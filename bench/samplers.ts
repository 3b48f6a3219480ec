// Samplers on exact Gaussian mixtures: distribution error (sliced Wasserstein-1 against fresh true samples) against
// the number of denoiser evaluations, for every sampler on its natural schedule, in 2-D and 16-D. The true-vs-true
// row is the floor set by the sample size. Run: npm run bench:samplers (prints a markdown table).
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
  sampleMixture,
  tidy,
  veSde,
  vpLinear,
  type Denoiser,
  type GaussianMixture,
  type SamplerOptions,
  type Schedule,
  type Tensor,
} from '../src/index.js';

const N = 10_000; // samples per run
const DIRECTIONS = 128; // random projections of the sliced Wasserstein distance
const BUDGETS = [5, 10, 20, 50, 100, 1000]; // denoiser evaluations

const mixtures: Record<string, GaussianMixture> = {
  '2-D': {
    weights: [0.5, 0.3, 0.2],
    means: [
      [-2, -1],
      [2, -1],
      [0, 2],
    ],
    stds: [0.3, 0.4, 0.25],
  },
  '16-D': (() => {
    const rng = new Rng(16);
    return {
      weights: [0.3, 0.3, 0.2, 0.2],
      means: Array.from({ length: 4 }, () => Array.from(rng.normals(16), (v) => 1.2 * v)),
      stds: [0.5, 0.4, 0.6, 0.3],
    };
  })(),
};

type Sampler = (d: Denoiser, shape: readonly number[], o: SamplerOptions) => Tensor;
interface Entry {
  name: string;
  sampler: Sampler;
  schedule: Schedule;
  /** Steps that spend at most `budget` evaluations. */
  steps: (budget: number) => number;
}
const oneEach = (b: number) => b;
const twoEach = (b: number) => Math.floor((b + 1) / 2); // 2 steps - 1 evaluations
const entries: Entry[] = [
  { name: 'ddpm (vp-linear)', sampler: ddpm, schedule: vpLinear(), steps: oneEach },
  { name: 'ddim eta=0 (vp-linear)', sampler: ddim, schedule: vpLinear(), steps: oneEach },
  { name: 'euler-maruyama (ve, lambda=200)', sampler: eulerMaruyama, schedule: veSde({ lambda: 200 }), steps: oneEach },
  { name: 'pc (ve, lambda=200)', sampler: predictorCorrector, schedule: veSde({ lambda: 200 }), steps: twoEach },
  { name: 'heun (edm)', sampler: heun, schedule: edm(), steps: twoEach },
  { name: 'dpm-solver++(2m) (edm)', sampler: dpmpp2m, schedule: edm(), steps: oneEach },
];

/**
 * Sliced Wasserstein-1 between two equal-size samples [n, d]: the mean over random directions of the 1-D W1 of the
 * projections (sorted, matched in order). W1 rather than W2: with far-apart modes, W2 charges the sampling noise of
 * the mixture weights sqrt(mass) * distance and the floor drowns the samplers' errors.
 */
function slicedWasserstein(a: Float64Array, b: Float64Array, d: number, rng: Rng): number {
  const n = a.length / d,
    pa = new Float64Array(n),
    pb = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < DIRECTIONS; k++) {
    const u = rng.normals(d),
      norm = Math.hypot(...u);
    for (let i = 0; i < n; i++) {
      let sa = 0,
        sb = 0;
      for (let j = 0; j < d; j++) {
        sa += a[i * d + j]! * u[j]!;
        sb += b[i * d + j]! * u[j]!;
      }
      pa[i] = sa / norm;
      pb[i] = sb / norm;
    }
    pa.sort();
    pb.sort();
    let w = 0;
    for (let i = 0; i < n; i++) w += Math.abs(pa[i]! - pb[i]!);
    total += w / n;
  }
  return total / DIRECTIONS;
}

const truth = (m: GaussianMixture, seed: number) => tidy(() => sampleMixture(m, N, new Rng(seed)).x.toFloat64Array());

const lines = [
  `Sliced Wasserstein-1 distance (${DIRECTIONS} directions) between ${N} samples and ${N} fresh true samples; columns`,
  'are denoiser evaluations (Heun and PC spend 2 per step but the last, so their budgets are 2*steps-1 <= NFE).',
  '',
];
for (const [dimName, m] of Object.entries(mixtures)) {
  const d = m.means[0]!.length,
    reference = truth(m, 1);
  const floor = slicedWasserstein(truth(m, 2), reference, d, new Rng(99));
  lines.push(`**${dimName}** (true-vs-true floor ${floor.toFixed(4)})`, '');
  lines.push(
    `| sampler | ${BUDGETS.map((b) => `NFE ${b}`).join(' | ')} |`,
    `|---|${BUDGETS.map(() => '---:').join('|')}|`,
  );
  lines.push(`| true vs true | ${BUDGETS.map(() => floor.toFixed(4)).join(' | ')} |`);
  for (const e of entries) {
    const cells = BUDGETS.map((budget) => {
      let nfe = 0;
      const base = gmmDenoiser(m, e.schedule);
      const counting: Denoiser = {
        schedule: e.schedule,
        denoise: (x, s, c) => {
          nfe++;
          return base.denoise(x, s, c);
        },
      };
      const t0 = performance.now();
      const x = tidy(() =>
        e.sampler(counting, [N, d], { rng: new Rng(3), dtype: 'float64', numSteps: e.steps(budget) }).toFloat64Array(),
      );
      const sw = slicedWasserstein(x, reference, d, new Rng(99));
      process.stderr.write(
        `${dimName} ${e.name} budget ${budget}: nfe ${nfe}, SW ${sw.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
      );
      return sw <= 1.5 * floor ? `**${sw.toFixed(4)}**` : sw.toFixed(4);
    });
    lines.push(`| ${e.name} | ${cells.join(' | ')} |`);
  }
  lines.push('');
}
lines.push('Bold: within 1.5x of the true-vs-true floor.');
console.log(lines.join('\n'));
