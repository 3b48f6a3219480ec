// What every sampler shares: its options, the step grid, the start point and the end of a step (memory release
// and the per-step callback). A sampler works in the denoiser frame x = x0 + sigma eps (see denoisers/denoiser.ts)
// on a descending grid of noise levels sigmas[0] > ... > sigmas[N-1] > sigmas[N] = 0.
import { noGrad, Rng, tensor, tidy, type RandomSource, type Tensor } from '../engine/index.js';
import {
  EDM_SIGMA_MAX,
  karrasSigmas,
  noiseLevel,
  stridedTimes,
  timeGrid,
  type Cond,
  type Schedule,
  type Spacing,
} from '../diffusion/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { defaultStepsFor, samplerGridKinds, type SamplerName } from './names.js';

/** What a sampler reports after step `step` (x is now at noise level `sigma`). */
export interface StepInfo {
  /** Index of the step just taken, 0-based on the grid. */
  step: number;
  /** The noise level x is at after this step (0 after the last). */
  sigma: number;
  /** The new sample. Valid until the callback returns: copy what you keep (toFloat32Array, clone + keep). */
  x: Tensor;
  /** The denoiser's x0 estimate this step was taken with. Valid until the callback returns. */
  x0: Tensor;
}

export interface SamplerOptions {
  /** Noise for the start point and every stochastic step. */
  rng: RandomSource;
  /** Steps on the grid (network evaluations per step depend on the sampler). Default: per sampler. */
  numSteps?: number;
  /** How times are spread on the schedule, for samplers on the schedule's time grid. Default 'linspace'. */
  spacing?: Spacing;
  /** An explicit grid: descending noise levels ending in 0. Overrides numSteps and spacing. */
  sigmas?: readonly number[];
  /** Condition passed to the denoiser. Default null (unconditional). */
  cond?: Cond;
  /**
   * Start from a given x at grid index `step` (x = x0 + sigmas[step] eps; SDEdit) instead of sigmas[0] * noise.
   * The caller's tensor is not modified or released.
   */
  start?: { x: Tensor; step: number };
  /**
   * Stop at grid index `stop` and return x at noise level sigmas[stop] (RePaint's resampling re-runs one step
   * this way). Default: the end of the grid (sigma 0).
   */
  stop?: number;
  /** Element type of the start noise. Default 'float32'. */
  dtype?: 'float32' | 'float64';
  /**
   * Called after every step (GIF frames, previews). Returning a tensor replaces x (inpainting hooks) and hands
   * it to the sampler, which releases it when done; other tensors made inside are released on return.
   */
  onStep?: (info: StepInfo) => Tensor | void;
}

function checkGrid(sigmas: readonly number[]): number[] {
  if (sigmas.length < 2 || sigmas[sigmas.length - 1] !== 0) throw new Error('sampler: sigmas must end with 0');
  for (let i = 0; i + 1 < sigmas.length; i++) {
    if (!(sigmas[i]! > sigmas[i + 1]!)) throw new Error(`sampler: sigmas must decrease strictly, fails at index ${i}`);
  }
  return [...sigmas];
}

/**
 * What a grid is made from: a step count and spacing, or explicit levels; rho for Karras grids; or the seeds'
 * strided timesteps of a discrete schedule (`stride`: every stride-th timestep below T, or below and from `from`).
 */
export type StepGridOptions = Pick<SamplerOptions, 'numSteps' | 'spacing' | 'sigmas'> & {
  rho?: number;
  stride?: { stride: number; from?: number };
};

/**
 * The one place where (sampler, steps, schedule) becomes a grid of descending noise levels ending in 0, used by
 * the samplers themselves and by every edit: explicit sigmas (checked) win; else numSteps (default: the sampler's
 * own) on the sampler's grid kind: the schedule's times at `spacing`, or the Karras rho-grid over its noise range.
 */
export function stepGrid(name: SamplerName, d: Denoiser, o: StepGridOptions): number[] {
  if (o.sigmas) return checkGrid(o.sigmas);
  if (o.stride)
    return [...stridedTimes(d.schedule, o.stride.stride, o.stride.from).map((t) => noiseLevel(d.schedule, t)), 0];
  const s = d.schedule,
    n = o.numSteps ?? defaultStepsFor(name, s.numTimesteps);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: numSteps must be a positive integer, got ${n}`);
  // A Karras grid tops at EDM's sigma_max or the schedule's own if lower: the cosine schedule reaches 2e4 at t = T,
  // which would put six of a 10-step grid's levels where x_t is all noise.
  if (samplerGridKinds[name] === 'karras')
    return karrasSigmas(n, noiseLevel(s, s.tMin), Math.min(noiseLevel(s, s.tMax), EDM_SIGMA_MAX), o.rho ?? 7);
  return [...timeGrid(s, n, o.spacing).map((t) => noiseLevel(s, t)), 0];
}

/**
 * The first x (owned by the sampler) and the grid index it sits at: the given start, or the denoiser's prior mean
 * (0 when it has none) plus sigmas[0] times standard normal noise, plus the prior spread's directions times
 * standard normal weights (drawn after the noise, so a start with and without them shares its noise).
 */
function startPoint(
  d: Denoiser,
  shape: readonly number[],
  sigmas: readonly number[],
  o: SamplerOptions,
): { x: Tensor; first: number } {
  if (o.start) {
    const { x, step } = o.start;
    if (!Number.isInteger(step) || step < 0 || step >= sigmas.length - 1) {
      throw new Error(`sampler: start.step must be an integer in [0, ${sigmas.length - 2}], got ${step}`);
    }
    return { x: x.clone(), first: step };
  }
  const dtype = o.dtype ?? 'float32',
    m = d.priorMean,
    s = m && d.priorSpread;
  if (m && m.shape.join() !== shape.slice(1).join()) {
    throw new Error(
      `sampler: the prior mean has shape [${m.shape.join(', ')}], samples [${shape.slice(1).join(', ')}]`,
    );
  }
  if (s && s.shape.slice(1).join() !== shape.slice(1).join()) {
    throw new Error(
      `sampler: the prior spread has shape [${s.shape.join(', ')}], samples [${shape.slice(1).join(', ')}]`,
    );
  }
  const x = tidy(() => {
    const noise = o.rng.randn(shape, { dtype }).mul(sigmas[0]!);
    if (!m) return noise;
    const at = noise.add(tensor(m.data, [...m.shape]).to(dtype));
    if (!s || s.shape[0] === 0) return at;
    const k = s.shape[0]!,
      directions = tensor(s.data, [k, s.data.length / k]);
    const spread = o.rng.randn([shape[0]!, k], { dtype: 'float32' }).matmul(directions); // (B, D)
    return at.add(spread.reshape([...shape]).to(dtype));
  });
  return { x, first: 0 };
}

/** Standard normal noise like x. */
export function noiseLike(x: Tensor, rng: RandomSource): Tensor {
  return rng.randn(x.shape, { dtype: x.dtype === 'float64' ? 'float64' : 'float32', device: x.device });
}

/** Any of the samplers: (denoiser, shape, options) -> samples, named so that its grid can be built (stepGrid). */
export interface Sampler {
  (d: Denoiser, shape: readonly number[], o: SamplerOptions): Tensor;
  readonly samplerName: SamplerName;
}

/**
 * Denoiser evaluations a sampler makes per sample with these options, counted on a stand-in denoiser for the
 * schedule that answers 0 at once (no network runs; what eval reports as the cost of a setting).
 */
export function countEvaluations(
  sampler: Sampler,
  schedule: Schedule,
  o: Pick<SamplerOptions, 'numSteps' | 'spacing' | 'sigmas'> = {},
): number {
  let calls = 0;
  const standIn: Denoiser = {
    schedule,
    denoise: (x) => {
      calls += 1;
      return x.mul(0);
    },
  };
  tidy(() => sampler(standIn, [1, 1], { ...o, rng: new Rng(0) }));
  return calls;
}

/** A sampler with some of its options bound (DDIM's eta, DDPM's variance), keeping its name. */
export function bindSampler<O extends SamplerOptions>(
  s: { (d: Denoiser, shape: readonly number[], o: O): Tensor; readonly samplerName: SamplerName },
  bound: Partial<O>,
): Sampler {
  return Object.assign(
    (d: Denoiser, shape: readonly number[], o: SamplerOptions) => s(d, shape, { ...o, ...bound } as O),
    { samplerName: s.samplerName },
  );
}

/** One step from x at sigmas[i] to sigmas[i+1]: the new x and the x0 estimate it used (prevX0: the last step's). */
export type Step = (x: Tensor, i: number, prevX0: Tensor | null) => { x: Tensor; x0: Tensor };

/**
 * The loop every sampler shares: the start point, each step in its own scope, onStep (which may replace x), and
 * the release of every tensor the next step does not need, so memory stays flat however many steps run.
 */
export function runSteps(
  d: Denoiser,
  shape: readonly number[],
  sigmas: readonly number[],
  o: SamplerOptions,
  step: Step,
): Tensor {
  return noGrad(() => {
    let { x, first } = startPoint(d, shape, sigmas, o);
    let prevX0: Tensor | null = null;
    const stop = o.stop ?? sigmas.length - 1;
    if (!Number.isInteger(stop) || stop <= first || stop > sigmas.length - 1) {
      throw new Error(`sampler: stop must be an integer in [${first + 1}, ${sigmas.length - 1}], got ${stop}`);
    }
    for (let i = first; i < stop; i++) {
      const next = tidy(() => step(x, i, prevX0));
      const replaced = o.onStep ? tidy(() => o.onStep!({ step: i, sigma: sigmas[i + 1]!, ...next })) : undefined;
      const live = [replaced ?? next.x, next.x0];
      for (const t of new Set([x, prevX0, next.x])) if (t && !live.includes(t)) t.dispose();
      [x, prevX0] = live as [Tensor, Tensor];
    }
    if (prevX0 !== x) prevX0?.dispose();
    return x;
  });
}
