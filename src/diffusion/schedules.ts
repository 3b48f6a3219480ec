// Noise schedules as float64 functions of time (plain TypeScript; tensors appear only at the boundary, in
// forward.ts). Every schedule describes the forward marginal
//   x_t = alpha(t) x0 + sigma(t) eps,   eps ~ N(0, I)
// In the papers' symbols: VP (DDPM, Ho et al. 2020) alpha = sqrt(alpha_bar_t), sigma = sqrt(1 - alpha_bar_t);
// VE (Song et al. 2021, the score-based tutorial) alpha = 1, sigma = sigma_t; EDM (Karras et al. 2022) alpha = 1,
// sigma on the rho-grid. The ratio sigma/alpha is the "noise level" every denoiser and sampler works with
// (k-diffusion's sigma): x_t / alpha = x0 + noiseLevel * eps.

/** A forward noising process, in float64. */
export interface Schedule {
  /** Short label for plots, logs and checkpoint metadata: a ScheduleName for the named schedules, e.g. 'linear'. */
  readonly name: string;
  /** 'vp': alpha^2 + sigma^2 = 1 (x_T ~ N(0, I)); 've': alpha = 1 (x_T ~ N(0, sigma_max^2 I)). */
  readonly kind: 'vp' | 've';
  /** T for discrete-time schedules (times are the integers 1..T, 0 = clean), null for continuous time. */
  readonly numTimesteps: number | null;
  /** Smallest time a sampler or loss visits (discrete: 1). */
  readonly tMin: number;
  /** Largest time (discrete: T). */
  readonly tMax: number;
  /** Signal coefficient alpha(t). */
  alpha(t: number): number;
  /** Noise coefficient sigma(t). */
  sigma(t: number): number;
  /** The time whose noise level sigma/alpha equals `level` (fractional between discrete steps). */
  timeAt(level: number): number;
}

/** sigma(t) / alpha(t): the standard deviation of the noise in x_t / alpha(t) = x0 + level * eps. */
export function noiseLevel(s: Schedule, t: number): number {
  return s.sigma(t) / s.alpha(t);
}
/** alpha_bar = alpha^2 / (alpha^2 + sigma^2): DDPM's cumulative product for VP, its equivalent for VE. */
export function alphaBar(s: Schedule, t: number): number {
  const a = s.alpha(t) ** 2;
  return a / (a + s.sigma(t) ** 2);
}
/** log(alpha^2 / sigma^2), the log signal-to-noise ratio (Kingma et al. 2021). */
export function logSnr(s: Schedule, t: number): number {
  return -2 * Math.log(noiseLevel(s, t));
}

// ----- discrete-time VP --------------------------------------------------------------------------------

/**
 * A VP schedule over integer times 1..T from its alpha_bar values (alphaBars[t-1] for t = 1..T). Between integer
 * times the noise level is interpolated in log space (as k-diffusion does), so `timeAt` inverts it exactly.
 */
export function discreteVp(name: string, alphaBars: readonly number[]): Schedule {
  const T = alphaBars.length;
  // levels[t] = sqrt((1 - alpha_bar_t) / alpha_bar_t), levels[0] = 0 (clean data).
  const levels = [0, ...alphaBars.map((ab) => Math.sqrt((1 - ab) / ab))];
  for (let t = 1; t <= T; t++) {
    if (!(levels[t]! > levels[t - 1]!)) throw new Error(`${name}: alpha_bar must decrease strictly, fails at t=${t}`);
  }
  const level = (t: number): number => {
    if (!(t >= 0 && t <= T)) throw new Error(`${name}: time must be in [0, ${T}], got ${t}`);
    const i = Math.floor(t),
      f = t - i;
    if (f === 0) return levels[i]!;
    if (i === 0) return f * levels[1]!; // below t=1 the log is undefined: linear towards 0
    return Math.exp((1 - f) * Math.log(levels[i]!) + f * Math.log(levels[i + 1]!));
  };
  return {
    name,
    kind: 'vp',
    numTimesteps: T,
    tMin: 1,
    tMax: T,
    // Integer times read alpha_bar directly so that sqrt(alpha_bar_t) is exact to the last bit.
    alpha: (t) => (Number.isInteger(t) && t > 0 ? Math.sqrt(alphaBars[t - 1]!) : 1 / Math.hypot(1, level(t))),
    sigma: (t) =>
      Number.isInteger(t) && t > 0 ? Math.sqrt(1 - alphaBars[t - 1]!) : level(t) / Math.hypot(1, level(t)),
    timeAt(l) {
      if (!(l >= 0)) throw new Error(`${name}: noise level must be >= 0, got ${l}`);
      if (l <= levels[1]!) return l / levels[1]!;
      if (l >= levels[T]!) return T;
      let lo = 1,
        hi = T; // levels[lo] <= l < levels[hi]
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (levels[mid]! <= l) lo = mid;
        else hi = mid;
      }
      const f = (Math.log(l) - Math.log(levels[lo]!)) / (Math.log(levels[hi]!) - Math.log(levels[lo]!));
      return f === 0 ? lo : lo + f;
    },
  };
}

/** alpha_bar_t = prod_{s<=t} (1 - beta_s). Betas are clipped to maxBeta (Nichol & Dhariwal clip at 0.999). */
function cumprod(betas: readonly number[], maxBeta = 0.999): number[] {
  let ab = 1;
  return betas.map((b) => (ab *= 1 - Math.min(b, maxBeta)));
}

export interface LinearScheduleOptions {
  /** T. Default 1000 (DDPM). */ numTimesteps?: number;
  /** beta_1. Default 1e-4 (DDPM). */ betaStart?: number;
  /** beta_T. Default 0.02 (DDPM). */ betaEnd?: number;
}
/** DDPM's linear betas (Ho et al. 2020, Sec. 4): beta_t evenly spaced from betaStart to betaEnd. */
export function vpLinear(o: LinearScheduleOptions = {}): Schedule {
  const T = o.numTimesteps ?? 1000,
    b0 = o.betaStart ?? 1e-4,
    b1 = o.betaEnd ?? 0.02;
  return discreteVp('linear', cumprod(Array.from({ length: T }, (_, i) => b0 + ((b1 - b0) * i) / Math.max(1, T - 1))));
}

export interface CosineScheduleOptions {
  /** T. Default 1000. */ numTimesteps?: number;
  /** Offset s that keeps beta small near t=0. Default 0.008 (Nichol & Dhariwal 2021). */ offset?: number;
}
/** Improved-DDPM cosine schedule (Nichol & Dhariwal 2021, eq. 17): alpha_bar_t = f(t)/f(0), f = cos^2. */
export function vpCosine(o: CosineScheduleOptions = {}): Schedule {
  const T = o.numTimesteps ?? 1000,
    s = o.offset ?? 0.008;
  const f = (t: number) => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  return discreteVp('cosine', cumprod(Array.from({ length: T }, (_, i) => 1 - f(i + 1) / f(i))));
}

export interface SigmoidScheduleOptions {
  /** T. Default 1000. */ numTimesteps?: number;
  /** Sigmoid input at t=0. Default -3. */ start?: number;
  /** Sigmoid input at t=T. Default 3. */ end?: number;
  /** Temperature; larger is closer to linear in time. Default 1. */ tau?: number;
}
/** Sigmoid schedule (Jabri et al. 2022; Chen 2023): alpha_bar follows a rescaled, flipped sigmoid of time. */
export function vpSigmoid(o: SigmoidScheduleOptions = {}): Schedule {
  const T = o.numTimesteps ?? 1000,
    a = o.start ?? -3,
    b = o.end ?? 3,
    tau = o.tau ?? 1;
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  const f = (t: number) => (sig(b / tau) - sig(((t / T) * (b - a) + a) / tau)) / (sig(b / tau) - sig(a / tau));
  return discreteVp('sigmoid', cumprod(Array.from({ length: T }, (_, i) => 1 - f(i + 1) / f(i))));
}

// ----- continuous-time VE ------------------------------------------------------------------------------

export interface VeScheduleOptions {
  /** lambda > 1 in g(t) = lambda^t. Default 25 (the score-based tutorial's choice). */ lambda?: number;
  /** Smallest time visited; the score is irregular near t=0. Default 1e-3 (the tutorial's eps). */ tMin?: number;
}
/**
 * The VE SDE dx = lambda^t dw (score-based tutorial): sigma_t^2 = int_0^t g^2 = (lambda^(2t) - 1) / (2 ln lambda),
 * t in [tMin, 1].
 */
export function veSde(o: VeScheduleOptions = {}): Schedule {
  const lambda = o.lambda ?? 25,
    tMin = o.tMin ?? 1e-3;
  if (!(lambda > 1)) throw new Error(`veSde: lambda must be > 1, got ${lambda}`);
  const ln = Math.log(lambda);
  return {
    name: 've',
    kind: 've',
    numTimesteps: null,
    tMin,
    tMax: 1,
    alpha: () => 1,
    // expm1 keeps sigma accurate for small t, where lambda^(2t) - 1 cancels.
    sigma: (t) => Math.sqrt(Math.expm1(2 * t * ln) / (2 * ln)),
    timeAt: (l) => Math.log1p(2 * ln * l * l) / (2 * ln),
  };
}

/** EDM's largest noise level (Karras et al. 2022, Table 1): above it x_t holds under 1% signal for data in [-1, 1]. */
export const EDM_SIGMA_MAX = 80;

export interface EdmScheduleOptions {
  /** Default 0.002 (Karras et al. 2022). */ sigmaMin?: number;
  /** Default 80. */ sigmaMax?: number;
  /** Grid curvature; larger spends more steps at low noise. Default 7. */ rho?: number;
}
/**
 * EDM noise levels (Karras et al. 2022, eq. 5): alpha = 1 and sigma(u) = (smin^(1/rho) + u (smax^(1/rho) -
 * smin^(1/rho)))^rho for u in [0, 1], so evenly spaced u are exactly the Karras rho-grid.
 */
export function edm(o: EdmScheduleOptions = {}): Schedule {
  const lo = o.sigmaMin ?? 0.002,
    hi = o.sigmaMax ?? EDM_SIGMA_MAX,
    rho = o.rho ?? 7;
  const a = lo ** (1 / rho),
    b = hi ** (1 / rho);
  return {
    name: 'edm',
    kind: 've',
    numTimesteps: null,
    tMin: 0,
    tMax: 1,
    alpha: () => 1,
    sigma: (u) => (a + u * (b - a)) ** rho,
    timeAt: (l) => (l ** (1 / rho) - a) / (b - a),
  };
}

// ----- step grids --------------------------------------------------------------------------------------

/**
 * How sampling times are spread over the schedule (Lin et al. 2024, Table 2). 'linspace' includes both ends
 * (t = T, where the prior is right, and t = tMin, where the final denoising step shrinks the data least) and is
 * difflab's default; 'leading' (DDIM, Stable Diffusion) starts below T; 'trailing' starts at T but stops at T/N.
 */
export type Spacing = 'linspace' | 'leading' | 'trailing';

/**
 * numSteps sampling times, descending, from `top` (default tMax: a whole run; below it, a run that starts part way,
 * as the seeds' iterative denoising from t) down to tMin. Discrete schedules give integers in 1..top.
 */
export function timeGrid(s: Schedule, numSteps: number, spacing: Spacing = 'linspace', top?: number): number[] {
  const N = numSteps,
    T = s.numTimesteps;
  if (!Number.isInteger(N) || N < 1) throw new Error(`timeGrid: numSteps must be a positive integer, got ${N}`);
  if (top !== undefined && !(top >= s.tMin && top <= s.tMax && (T === null || Number.isInteger(top))))
    throw new Error(`timeGrid: top must be a time in [${s.tMin}, ${s.tMax}], got ${top}`);
  if (T !== null && top === undefined && N > T)
    throw new Error(`timeGrid: ${N} steps exceed the schedule's ${T} timesteps`);
  if (T !== null && top !== undefined && N > top - s.tMin + 1)
    throw new Error(`timeGrid: ${N} steps from t = ${top} repeat times (at most ${top - s.tMin + 1})`);
  const hi = top ?? s.tMax,
    span = hi - s.tMin;
  const at = (i: number): number => {
    // i = 0 is the noisiest
    if (T !== null) {
      if (spacing === 'leading') return Math.floor(((N - 1 - i) * hi) / N) + 1;
      if (spacing === 'trailing') return Math.round(hi - (i * hi) / N);
      return N === 1 ? hi : Math.round(1 + ((N - 1 - i) * (hi - 1)) / (N - 1));
    }
    if (spacing === 'leading') return s.tMin + ((N - 1 - i) * span) / N;
    if (spacing === 'trailing') return hi - (i * span) / N;
    return N === 1 ? hi : s.tMin + ((N - 1 - i) * span) / (N - 1);
  };
  return Array.from({ length: N }, (_, i) => at(i));
}

/**
 * The teaching notebooks' strided grid of a discrete schedule: the multiples of `stride` below T, descending
 * (990, 960, ..., 30 for T = 1000 and stride 30: `range(990, -1, -30)` without its final clean 0). From a time
 * `from`: that time, then the multiples of the stride below it (690, 660, ..., 30: the seed's iterative
 * denoising from `strided_timesteps[10]`; 500, 480, 450, ..., 30 from 500).
 */
export function stridedTimes(s: Schedule, stride: number, from?: number): number[] {
  const T = s.numTimesteps;
  if (T === null) throw new Error(`stridedTimes: the ${s.name} schedule has no discrete timesteps`);
  if (!Number.isInteger(stride) || stride < 1 || stride >= T)
    throw new Error(`stridedTimes: stride must be an integer in [1, ${T - 1}], got ${stride}`);
  if (from !== undefined && !(Number.isInteger(from) && from >= s.tMin && from <= s.tMax))
    throw new Error(`stridedTimes: from must be an integer time in [${s.tMin}, ${s.tMax}], got ${from}`);
  const top = Math.floor((from ?? T - 1) / stride);
  const multiples = Array.from({ length: top }, (_, i) => (top - i) * stride);
  return from === undefined || multiples[0] === from ? multiples : [from, ...multiples];
}

/** The noise levels of timeGrid, followed by 0 (the clean end every sampler finishes at). */
export function timeSigmas(s: Schedule, numSteps: number, spacing: Spacing = 'linspace'): number[] {
  return [...timeGrid(s, numSteps, spacing).map((t) => noiseLevel(s, t)), 0];
}

/** Karras et al. 2022 eq. 5: numSteps noise levels from sigmaMax down to sigmaMin, rho-spaced, then 0. */
export function karrasSigmas(numSteps: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  if (!Number.isInteger(numSteps) || numSteps < 1)
    throw new Error(`karrasSigmas: numSteps must be >= 1, got ${numSteps}`);
  const a = sigmaMax ** (1 / rho),
    b = sigmaMin ** (1 / rho);
  const grid = Array.from({ length: numSteps }, (_, i) =>
    numSteps === 1 ? sigmaMax : (a + (i / (numSteps - 1)) * (b - a)) ** rho,
  );
  return [...grid, 0];
}

/** The named schedules: the one vocabulary of training configs, model files, the CLI and the API. */
export const scheduleNames = ['linear', 'cosine', 'sigmoid', 've', 'edm'] as const;
export type ScheduleName = (typeof scheduleNames)[number];

/** The schedule for a name, with each paper's defaults (linear: DDPM 1e-4..0.02, T=1000); VE takes its lambda. */
export function scheduleFromName(name: ScheduleName, o: { lambda?: number; numTimesteps?: number } = {}): Schedule {
  if (o.lambda !== undefined && name !== 've') throw new Error(`lambda applies to the ve schedule only, not ${name}`);
  const T = o.numTimesteps !== undefined ? { numTimesteps: o.numTimesteps } : {};
  if (o.numTimesteps !== undefined && !['linear', 'cosine', 'sigmoid'].includes(name))
    throw new Error(`numTimesteps applies to the discrete schedules only, not ${name}`);
  switch (name) {
    case 'linear':
      return vpLinear(T);
    case 'cosine':
      return vpCosine(T);
    case 'sigmoid':
      return vpSigmoid(T);
    case 've':
      return veSde(o.lambda !== undefined ? { lambda: o.lambda } : {});
    case 'edm':
      return edm();
  }
}
