// The seeds' denoising comparison (seed 001 part A): a picture noised to t, then cleaned three ways side by side, a
// Gaussian blur (the classical baseline), the denoiser's one-step estimate and an iterative run from t (on the
// seeds' strided grid), each with its PSNR, and the iterative run's x_t as a strip. Its fields, parse and run.
import { Rng, keep, type Tensor } from '../engine/index.js';
import { compareDenoising, denoisingTimes } from '../editing/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import type { StepInfo } from '../samplers/index.js';
import { conditionFields, readConditioned, samplingFields } from './common-fields.js';
import { jobCondition } from './condition.js';
import { int, isGiven, picture, readNumber, real, type Door, type FieldContext, type NumberField } from './fields.js';
import { guided, samplingRun, stepper, stepsText, type JobOutput, type RunJobOptions } from './output.js';
import { jobPicture } from './pictures.js';
import type { SamplingSpec, ConditionSpec, Picture, SamplingDefaults } from './specs.js';

/** The seeds' comparison: a picture noised to t, then a blur, the one-step estimate and iterative denoising. */
export interface DenoiseSpec extends SamplingSpec {
  kind: 'denoise';
  image: Picture;
  /** The time the picture is noised to. */
  t: number;
  /** The iterative run's grid: the seeds' stride from t on a discrete schedule, unless numSteps is given. */
  stride?: number;
  blurSigma: number;
  blurKernel: number;
  condition: ConditionSpec;
  /** An x_t of the iterative run for the strip every this many steps. */
  stripEvery: number;
}

/**
 * The seeds' denoising comparison: DDPM's strided ancestral steps (eta-free) from t = 500 on their stride of 30,
 * the classical baseline a 5-pixel Gaussian of sigma 1.5, an x_t in the strip every 5 steps.
 */
export const defaults = {
  sampler: 'ddpm',
  eta: 0,
  guidance: 1,
  t: 500,
  stride: 30,
  blurSigma: 1.5,
  blurKernel: 5,
  stripEvery: 5,
} as const satisfies SamplingDefaults;

const d = defaults;
/** The fields a command line names, in brief (its --help lists them all). */
export const usage = '--image IMG [--t 500] [--stride 30 | --steps N] [--class C | --prompt P] [--strip STRIP.png]';

const discrete = (c: FieldContext) => c.schedule.numTimesteps !== null;
export const fields = {
  image: picture('the clean picture: PNG or JPEG, grey or RGB, any size (resized to the model)'),
  t: {
    type: 'number',
    default: d.t,
    min: (c: FieldContext) => c.schedule.tMin,
    max: (c: FieldContext) => c.schedule.tMax,
    help: 'the time the picture is noised to (a whole step on a discrete schedule)',
  } satisfies NumberField,
  stride: int(
    d.stride,
    { min: 1, max: (c: FieldContext) => (c.schedule.numTimesteps ?? 2) - 1 },
    "discrete schedules: the seeds' strided grid, t and then every N-th timestep below it (690, 660, ..., 30 for t = 690)",
  ),
  blurSigma: {
    ...real(d.blurSigma, { min: 1e-3, max: 1000 }, 'Gaussian blur sigma (pixels) of the classical baseline'),
    cli: 'blur-sigma',
  },
  kernel: { ...int(d.blurKernel, { min: 1, max: 1025 }, 'Gaussian blur kernel size (odd)'), odd: true },
  stripEvery: int(
    d.stripEvery,
    { min: 1 },
    'an x_t of the iterative run in the strip every this many steps (and the last)',
  ),
  ...conditionFields,
  ...samplingFields(defaults),
  steps: {
    ...samplingFields(defaults).steps,
    help: 'iterative steps from t, evenly spaced (instead of the stride)',
    defaultText: 'the stride grid from t (even steps on a continuous schedule)',
  },
};

export function parse(door: Door, ctx: FieldContext): DenoiseSpec {
  const t = readNumber(door, 't', { ...fields.t, ...(discrete(ctx) ? { type: 'int' as const } : {}) }, ctx)!;
  if (isGiven(door, 'steps') && isGiven(door, 'stride'))
    door.refuse(`give ${door.name('steps')} or ${door.name('stride')}, not both`);
  if (isGiven(door, 'stride') && !discrete(ctx))
    door.refuse(`${door.name('stride')} needs a discrete schedule; the model's is ${ctx.schedule.name}`);
  const { condition, sampling } = readConditioned(door, defaults, ctx, { ownGrid: true });
  // A discrete schedule has t - tMin + 1 whole times from t down: more steps would repeat (merge) times.
  const maxSteps = discrete(ctx) ? Math.round(t - ctx.schedule.tMin) + 1 : Infinity;
  if (sampling.numSteps !== undefined && sampling.numSteps > maxSteps)
    door.refuseNumber({ key: 'steps', integer: true, min: 1, max: maxSteps, broke: 'max', got: sampling.numSteps });
  const stride =
    sampling.numSteps === undefined && discrete(ctx) ? readNumber(door, 'stride', fields.stride, ctx) : undefined;
  return {
    kind: 'denoise',
    image: door.picture('image', door.given('image')),
    t,
    ...(stride !== undefined ? { stride } : {}),
    blurSigma: readNumber(door, 'blurSigma', fields.blurSigma, ctx)!,
    blurKernel: readNumber(door, 'kernel', fields.kernel, ctx)!,
    stripEvery: readNumber(door, 'stripEvery', fields.stripEvery, ctx)!,
    condition,
    ...sampling,
  };
}

/** The five panels (clean | noisy | blur | one-step | iterative, each with its PSNR) and the x_t strip. */
export function run(m: LoadedDenoiser, spec: DenoiseSpec, o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const s = m.denoiser.schedule;
  const grid =
    spec.numSteps !== undefined
      ? `${stepsText(spec.numSteps)} from t`
      : spec.stride !== undefined
        ? `stride ${spec.stride}`
        : 'even steps';
  const r = samplingRun(m, spec, { steps: grid });
  const clean = jobPicture(m, spec.image, notes).image;
  const c = jobCondition(m, spec.condition, 1, notes);
  const frames: { x: Tensor; t: number }[] = [];
  let k = 0;
  const st = stepper(denoisingTimes(s, spec.t, spec).length, o);
  const res = compareDenoising(guided(m, c.given ? spec.guidance : 1, c.nullCond), clean, {
    t: spec.t,
    rng: new Rng(spec.seed),
    sampler: r.sampler,
    blur: { kernelSize: spec.blurKernel, sigma: spec.blurSigma },
    ...(spec.numSteps !== undefined ? { numSteps: spec.numSteps } : {}),
    ...(spec.stride !== undefined ? { stride: spec.stride } : {}),
    ...(c.cond !== null ? { cond: c.cond } : {}),
    onStep(info: StepInfo) {
      st.onStep(info);
      // x_t itself (the schedule's frame), as the seed's strip shows it: x / sqrt(1 + sigma^2) for VP models.
      if (++k % spec.stripEvery === 0 && info.sigma > 0)
        frames.push({ x: keep(info.x.div(Math.sqrt(1 + info.sigma ** 2))), t: s.timeAt(info.sigma) });
    },
  });
  const dB = (x: number) => `${x.toFixed(1)} dB`;
  const strip = [
    { label: `t = ${spec.t}`, images: res.noisy }, // the start, as the seed's strip shows it
    ...frames.map((f) => ({ label: `t = ${Math.round(f.t)}`, images: f.x })),
    { label: 't = 0', images: res.iterative },
  ];
  const settings = `t = ${spec.t}, ${r.settings}${c.given ? `, ${c.label}` : ', no class'}`;
  const f = (x: number) => `${x.toFixed(2)} dB`;
  return {
    panels: [
      { label: 'clean', images: clean },
      { label: `noisy\n${dB(res.psnr.noisy)}`, images: res.noisy },
      { label: `blur\n${dB(res.psnr.blurred)}`, images: res.blurred },
      { label: `one-step\n${dB(res.psnr.oneStep)}`, images: res.oneStep },
      { label: `iterative\n${dB(res.psnr.iterative)}`, images: res.iterative },
    ],
    result: 4,
    frames: st.frames,
    notes,
    settings,
    summary:
      `PSNR at t=${spec.t} against the clean image: noisy ${f(res.psnr.noisy)}, gaussian blur ${f(res.psnr.blurred)}, ` +
      `one-step ${f(res.psnr.oneStep)}, iterative (${spec.sampler}) ${f(res.psnr.iterative)}`,
    series: { title: `${spec.sampler}: x_t every ${spec.stripEvery} steps from t = ${spec.t}`, panels: strip },
  };
}
