// `difflab denoise`: noisy input, Gaussian-blur denoising, one-step x0 estimate and iterative denoising from t,
// side by side, with each one's PSNR against the clean image.
import { JobInputError, Rng, compareDenoising, indices, jobPicture, samplerFor, stack, tidy } from '../../index.js';
import { UsageError, num, oneOf, type Command } from '../command.js';
import { imageCommandOptions, readClass, readModel, readPicture, readPngOut, SAMPLERS, writeGrid } from '../image-options.js';

export const denoiseCommand: Command = {
  name: 'denoise',
  summary: 'compare Gaussian blur, one-step and iterative denoising of a noised image (figure + PSNRs)',
  usage: '--image IMG [--model FILE] [--t 500] [--steps N] [--sampler NAME] [--blur-sigma 1.5 --kernel 5] [--class C] --out FILE.png',
  options: {
    ...imageCommandOptions,
    image: { type: 'string', help: 'the clean image: PNG or JPEG, grey or RGB, any size (resized to the model)' },
    t: { type: 'string', help: 'noise time', default: '500' },
    sampler: { type: 'string', help: `iterative sampler ${SAMPLERS.join('|')}`, default: 'ddpm' },
    steps: { type: 'string', help: 'iterative steps from t', default: 'a stride of 30 times' },
    eta: { type: 'string', help: 'ddim stochasticity in [0, 1]', default: '0' },
    'blur-sigma': { type: 'string', help: 'Gaussian blur sigma (pixels) of the classical baseline', default: '1.5' },
    kernel: { type: 'string', help: 'Gaussian blur kernel size (odd)', default: '5' },
    class: { type: 'string', help: 'condition the denoiser on this class (name or id)' },
    out: { type: 'string', help: 'output .png: clean, noisy, blur, one-step, iterative', default: 'denoise.png' },
  },
  run(v) {
    const out = readPngOut(v.out, 'denoise.png');
    const m = readModel(v);
    const s = m.denoiser.schedule;
    const t = num(v.t, 't', 500, { min: s.tMin, max: s.tMax, ...(s.numTimesteps !== null ? { integer: true } : {}) });
    const kernel = num(v.kernel, 'kernel', 5, { min: 1, integer: true });
    if (kernel % 2 === 0) throw new Error(`--kernel must be odd, got ${kernel}`);
    const blur = { kernelSize: kernel, sigma: num(v['blur-sigma'], 'blur-sigma', 1.5, { min: 1e-3 }) };
    const cls = readClass(v.class, 'class', m);
    const name = oneOf(v.sampler, 'sampler', SAMPLERS, 'ddpm');
    const sampler = samplerFor(name, { eta: num(v.eta, 'eta', 0, { min: 0, max: 1 }) });
    const notes: string[] = [];
    let clean;
    try {
      clean = jobPicture(m, readPicture(v.image, 'image'), notes).image;
    } catch (e) {
      throw e instanceof JobInputError ? new Error(e.message) : e;
    }
    for (const note of notes) console.error(`note: ${note}`);
    const seed = num(v.seed, 'seed', 0, { min: 0, integer: true });
    tidy(() => {
      const r = compareDenoising(m.denoiser, clean, {
        t, rng: new Rng(seed), sampler, blur, ...(v.steps !== undefined ? { numSteps: num(v.steps, 'steps', 1, { min: 1, integer: true }) } : {}),
        ...(cls !== null ? { cond: indices([cls]) } : {}),
      });
      writeGrid(out, stack([clean, r.noisy, r.blurred, r.oneStep, r.iterative]).squeeze(1), { nrow: 5 });
      const f = (x: number) => `${x.toFixed(2)} dB`;
      console.log(`PSNR at t=${t} against the clean image: noisy ${f(r.psnr.noisy)}, gaussian blur ${f(r.psnr.blurred)}, ` +
        `one-step ${f(r.psnr.oneStep)}, iterative (${name}) ${f(r.psnr.iterative)}`);
      console.log(`wrote ${out} (clean | noisy | blur | one-step | iterative)`);
    });
    m.network.dispose();
    return 0;
  },
};
