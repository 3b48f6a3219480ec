// Hybrid images (Oliva et al. 2006, made with a diffusion model as in Geng et al. 2024): one picture that reads as
// one thing from afar (its low frequencies) and another up close (its high ones). Its fields, once, and their
// parsing for every door.
import { gaussianBlur, hybridImage } from '../editing/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { jobCondition } from './condition.js';
import { guided, samplingOutput, samplingRun, stepper, type JobOutput, type RunJobOptions } from './output.js';
import { picturesAtModelSize } from './pictures.js';
import { negativePromptField, readCondition, readSampling, samplingFields, startField } from './common-fields.js';
import { classOf, int, readNumber, real, text, type Door, type FieldContext } from './fields.js';
import type { SamplingSpec, ConditionSpec, SamplingDefaults } from './specs.js';

export interface HybridSpec extends SamplingSpec {
  kind: 'hybrid';
  count: number;
  /** What is seen from afar (low frequencies) and up close (high frequencies); high's negative prompt is low's. */
  low: ConditionSpec;
  high: ConditionSpec;
  blurSigma: number;
  blurKernel: number;
}

/**
 * DDIM with eta = 1 as every edit (sdedit.ts); hybrids need guidance to show their two classes at all (w = 3); the
 * low-pass is a Gaussian of sigma 2 pixels on a 33-pixel kernel.
 */
export const defaults = {
  sampler: 'ddim',
  eta: 1,
  guidance: 3,
  count: 1,
  blurSigma: 2,
  blurKernel: 33,
} as const satisfies SamplingDefaults;

/** The fields a command line names, in brief (its --help lists them all). */
export const usage =
  '(--class-low A | --prompt-low P) (--class-high B | --prompt-high Q) [--sigma 2] [--kernel 33] [--n N]';

export const fields = {
  n: int(defaults.count, { min: 1 }, 'number of images'),
  classLow: classOf('class seen from afar (low frequencies)'),
  classHigh: classOf('class seen up close (high frequencies)'),
  promptLow: text('prompt seen from afar (models that read text)'),
  promptHigh: text('prompt seen up close'),
  negativePrompt: negativePromptField,
  sigma: real(defaults.blurSigma, { min: 1e-3, max: 1000 }, 'Gaussian low-pass sigma in pixels'),
  kernel: { ...int(defaults.blurKernel, { min: 1, max: 1025 }, 'Gaussian kernel size (odd)'), odd: true },
  ...samplingFields(defaults),
  startAt: startField,
};

export function parse(door: Door, ctx: FieldContext): HybridSpec {
  return {
    kind: 'hybrid',
    count: readNumber(door, 'n', fields.n, ctx)!,
    low: readCondition(door, ctx, { class: 'classLow', prompt: 'promptLow', negative: 'negativePrompt', side: true }),
    high: readCondition(door, ctx, { class: 'classHigh', prompt: 'promptHigh', side: true }),
    blurSigma: readNumber(door, 'sigma', fields.sigma, ctx)!,
    blurKernel: readNumber(door, 'kernel', fields.kernel, ctx)!,
    ...readSampling(door, defaults, ctx),
  };
}

/** The hybrids up close and blurred as from afar (the figure's panels); each hybrid a picture at the model's size. */
export function run(m: LoadedDenoiser, spec: HybridSpec, o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const r = samplingRun(m, spec);
  const n = spec.count,
    blur = { kernelSize: spec.blurKernel, sigma: spec.blurSigma };
  const names = (side: string) => ({ prompt: `${side} prompt`, negativePrompt: 'negative prompt' });
  const [cl, ch] = [
    jobCondition(m, spec.low, n, notes, names('low')),
    jobCondition(m, spec.high, n, notes, names('high')),
  ];
  const d = hybridImage(guided(m, spec.guidance, cl.nullCond), { condLow: cl.cond, condHigh: ch.cond, blur });
  const st = stepper(r.numSteps, o);
  const x = r.sampler(d, [n, ...m.imageShape], { rng: r.rngFor(n), numSteps: r.numSteps, onStep: st.onStep });
  const [lo, hi] = [cl.label, ch.label];
  return samplingOutput(
    r,
    st,
    notes,
    [
      { label: `${hi}\n(up close)`, images: x },
      { label: `${lo}\n(blurred,\nfrom afar)`, images: gaussianBlur(x, blur) },
    ],
    0,
    `hybrid image: ${hi} up close | ${lo} blurred (as from afar)`,
    { pictures: picturesAtModelSize([{ label: `${hi} up close, ${lo} from afar`, images: x }]) },
  );
}
