// Three ways to clean a noisy image, side by side (the course's "classical vs one-step vs iterative" figure):
// a Gaussian blur of x_t (the classical baseline), the denoiser's one-step estimate E[x0 | x_t], and a sampler
// run on a strided grid from t down to 0. Symbols: x_t = alpha_t x0 + sigma_t eps (schedule frame); the denoiser
// sees x_t / alpha_t at noise level sigma_t / alpha_t.
import { noGrad, tidy, type RandomSource, type Tensor } from '../engine/index.js';
import { addNoise, noiseLevel, stridedTimes, timeGrid, type Cond, type Schedule } from '../diffusion/index.js';
import type { Denoiser } from '../denoisers/index.js';
import { ddpm, type Sampler, type StepInfo } from '../samplers/index.js';
import { gaussianBlur, type BlurOptions } from './blur.js';

/** Peak signal-to-noise ratio in dB of images in [-1, 1] (both clipped; peak-to-peak 2, as 1 for [0, 1]). */
export function psnr(a: Tensor, b: Tensor): number {
  const mse = tidy(() => a.clamp(-1, 1).sub(b.clamp(-1, 1)).square().mean().item());
  return 10 * Math.log10(4 / Math.max(mse, 1e-20));
}

export interface DenoisingComparisonOptions {
  /** The time to noise to (an integer for discrete schedules, e.g. 500 of 1000). */
  t: number;
  rng: RandomSource;
  /**
   * Steps of the iterative run from t to 0, evenly spaced in time. Default: the seeds' strided grid (stride).
   * On a discrete schedule at most t - tMin + 1 (more would repeat integer times): refused, never merged.
   */
  numSteps?: number;
  /** The stride of the seeds' grid on a discrete schedule (t, then the multiples below it). Default 30. */
  stride?: number;
  /** The iterative sampler. Default DDPM (strided ancestral steps). */
  sampler?: Sampler;
  /** The baseline's blur. Default kernel 5, sigma 1.5. */
  blur?: BlurOptions;
  /** Condition for the denoiser. Default null. */
  cond?: Cond;
  /** Observes each step of the iterative run (intermediate strips). */
  onStep?: (info: StepInfo) => void;
}

export interface DenoisingComparison {
  /** x_t (schedule frame). */
  noisy: Tensor;
  blurred: Tensor;
  oneStep: Tensor;
  iterative: Tensor;
  /** PSNR in dB of each against the clean image. */
  psnr: { noisy: number; blurred: number; oneStep: number; iterative: number };
}

/** Default steps of the iterative run on a continuous schedule (the seeds' 33 steps of stride 30 over T = 1000). */
const CONTINUOUS_STEPS = 33;

/** The iterative run's times from t: numSteps even ones, else the seeds' strided grid (discrete schedules). */
export function denoisingTimes(s: Schedule, t: number, o: { numSteps?: number; stride?: number } = {}): number[] {
  const discrete = s.numTimesteps !== null;
  if (o.numSteps !== undefined) return timeGrid(s, o.numSteps, 'linspace', t);
  if (discrete) return stridedTimes(s, o.stride ?? 30, t);
  return timeGrid(s, Math.max(1, Math.ceil(((t - s.tMin) / (s.tMax - s.tMin)) * CONTINUOUS_STEPS)), 'linspace', t);
}

/** Noises clean (B, C, H, W) to time t and denoises it three ways. */
export function compareDenoising(d: Denoiser, clean: Tensor, o: DenoisingComparisonOptions): DenoisingComparison {
  const s = d.schedule,
    t = o.t;
  if (!(t >= s.tMin && t <= s.tMax)) throw new Error(`compareDenoising: t must be in [${s.tMin}, ${s.tMax}], got ${t}`);
  const times = denoisingTimes(s, t, o);
  return noGrad(() =>
    tidy(() => {
      const noisy = addNoise(s, { x0: clean, t, noise: o.rng.randn(clean.shape) });
      const x = noisy.div(s.alpha(t)); // the denoiser's frame: x0 + level eps
      const blurred = gaussianBlur(noisy, o.blur ?? { kernelSize: 5, sigma: 1.5 });
      const oneStep = d.denoise(x, noiseLevel(s, t), o.cond ?? null);
      const sigmas = [...times.map((ti) => noiseLevel(s, ti)), 0];
      const iterative = (o.sampler ?? ddpm)(d, clean.shape, {
        rng: o.rng,
        sigmas,
        cond: o.cond ?? null,
        start: { x, step: 0 },
        ...(o.onStep ? { onStep: o.onStep } : {}),
      });
      return {
        noisy,
        blurred,
        oneStep,
        iterative,
        psnr: {
          noisy: psnr(noisy, clean),
          blurred: psnr(blurred, clean),
          oneStep: psnr(oneStep, clean),
          iterative: psnr(iterative, clean),
        },
      };
    }),
  );
}
