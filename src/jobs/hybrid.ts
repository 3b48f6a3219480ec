// Hybrid images (Oliva et al. 2006, made with a diffusion model as in Geng et al. 2024): one picture that reads as
// one thing from afar (its low frequencies) and another up close (its high ones). Its fields, once, and their
// parsing for every door.
import { negativePromptField, readCondition, readSampling, samplingFields } from './common-fields.js';
import { classOf, int, readNumber, real, text, type Door, type FieldContext } from './fields.js';
import { jobDefaults, type HybridSpec } from './specs.js';

export const fields = {
  n: int(jobDefaults.hybrid.count, { min: 1 }, 'number of images'),
  classLow: classOf('class seen from afar (low frequencies)'),
  classHigh: classOf('class seen up close (high frequencies)'),
  promptLow: text('prompt seen from afar (models that read text)'),
  promptHigh: text('prompt seen up close'),
  negativePrompt: negativePromptField,
  sigma: real(jobDefaults.hybrid.blurSigma, { min: 1e-3, max: 1000 }, 'Gaussian low-pass sigma in pixels'),
  kernel: { ...int(jobDefaults.hybrid.blurKernel, { min: 1, max: 1025 }, 'Gaussian kernel size (odd)'), odd: true },
  ...samplingFields('hybrid'),
};

export function parse(door: Door, ctx: FieldContext): HybridSpec {
  return {
    kind: 'hybrid',
    count: readNumber(door, 'n', fields.n, ctx)!,
    low: readCondition(door, ctx, { class: 'classLow', prompt: 'promptLow', negative: 'negativePrompt', side: true }),
    high: readCondition(door, ctx, { class: 'classHigh', prompt: 'promptHigh', side: true }),
    blurSigma: readNumber(door, 'sigma', fields.sigma, ctx)!,
    blurKernel: readNumber(door, 'kernel', fields.kernel, ctx)!,
    ...readSampling(door, 'hybrid', ctx),
  };
}
