// `difflab denoise`: noisy input, Gaussian-blur denoising, one-step x0 estimate and iterative denoising from t,
// side by side, with each one's PSNR against the clean image.
import { count } from '../suggest.js';
import {
  Rng,
  cat,
  compareDenoising,
  indices,
  jobPicture,
  keep,
  samplerFor,
  stack,
  tidy,
  type StepInfo,
  type Tensor,
} from '../../index.js';
import { num, oneOf, UsageError, type Command } from '../command.js';
import {
  imageCommandOptions,
  readClass,
  readFigureScale,
  readModel,
  readPicture,
  readPngOut,
  SAMPLERS,
  checkEtaApplies,
  writeGrid,
} from '../image-options.js';
import { MAX_CONTINUOUS_STEPS, checkDistinctOutputs } from '../limits.js';

export const denoiseCommand: Command = {
  name: 'denoise',
  summary: 'compare Gaussian blur, one-step and iterative denoising of a noised image (figure + PSNRs)',
  usage:
    '--image IMG [--model FILE] [--t 500] [--stride 30 | --steps N] [--sampler NAME] [--blur-sigma 1.5 --kernel 5] [--class C] [--strip STRIP.png] --out FILE.png',
  options: {
    ...imageCommandOptions,
    image: { type: 'string', help: 'the clean image: PNG or JPEG, grey or RGB, any size (resized to the model)' },
    t: { type: 'string', help: 'noise time', default: '500' },
    sampler: { type: 'string', help: `iterative sampler ${SAMPLERS.join('|')}`, default: 'ddpm' },
    steps: { type: 'string', help: 'iterative steps from t, evenly spaced (instead of --stride)' },
    stride: {
      type: 'string',
      help: "discrete schedules: the seeds' strided grid, t and then every N-th timestep below it (690, 660, ..., 30 for t = 690)",
      default: '30',
    },
    eta: { type: 'string', help: 'ddim stochasticity in [0, 1]', default: '0' },
    'blur-sigma': { type: 'string', help: 'Gaussian blur sigma (pixels) of the classical baseline', default: '1.5' },
    kernel: { type: 'string', help: 'Gaussian blur kernel size (odd)', default: '5' },
    class: { type: 'string', help: 'condition the denoiser on this class (name or id)' },
    out: { type: 'string', help: 'output .png: clean, noisy, blur, one-step, iterative', default: 'denoise.png' },
    strip: { type: 'string', help: "also write the iterative run's intermediate x_t as a strip to this .png" },
    'strip-every': { type: 'string', help: 'a strip frame every this many steps (and the last)', default: '5' },
  },
  run(v) {
    const out = readPngOut(v.out, 'denoise.png');
    const m = readModel(v);
    const s = m.denoiser.schedule;
    const t = num(v.t, 't', 500, { min: s.tMin, max: s.tMax, ...(s.numTimesteps !== null ? { integer: true } : {}) });
    const kernel = num(v.kernel, 'kernel', 5, { min: 1, integer: true });
    if (kernel % 2 === 0) throw new UsageError(`--kernel must be odd, got ${kernel}`);
    const blur = { kernelSize: kernel, sigma: num(v['blur-sigma'], 'blur-sigma', 1.5, { min: 1e-3 }) };
    const cls = readClass(v.class, 'class', m);
    const name = oneOf(v.sampler, 'sampler', SAMPLERS, 'ddpm');
    checkEtaApplies(v, name);
    const sampler = samplerFor(name, { eta: num(v.eta, 'eta', 0, { min: 0, max: 1 }) });
    const notes: string[] = [];
    const clean = jobPicture(m, readPicture(v.image, 'image'), notes).image; // a bad picture: one line, exit 1
    for (const note of notes) console.error(`note: ${note}`);
    const seed = num(v.seed, 'seed', 0, { min: 0, integer: true });
    const strip = v.strip === undefined ? null : readPngOut(v.strip);
    checkDistinctOutputs({ out, strip });
    const every = num(v['strip-every'], 'strip-every', 5, { min: 1, integer: true });
    // a discrete schedule has t - tMin + 1 integer times from t down: more steps would be merged away silently
    const maxSteps = s.numTimesteps !== null ? Math.round(t - s.tMin) + 1 : MAX_CONTINUOUS_STEPS;
    const numSteps =
      v.steps !== undefined ? num(v.steps, 'steps', 1, { min: 1, max: maxSteps, integer: true }) : undefined;
    if (v.steps !== undefined && v.stride !== undefined) throw new UsageError('give --steps or --stride, not both');
    if (v.stride !== undefined && s.numTimesteps === null)
      throw new UsageError(`--stride needs a discrete schedule; the model's is ${s.name}`);
    const stride =
      v.stride !== undefined
        ? num(v.stride, 'stride', 30, { min: 1, max: s.numTimesteps! - 1, integer: true })
        : undefined;
    const scale = readFigureScale(v);
    tidy(() => {
      const frames: { x: Tensor; t: number }[] = [];
      let k = 0;
      const r = compareDenoising(m.denoiser, clean, {
        t,
        rng: new Rng(seed),
        sampler,
        blur,
        ...(numSteps !== undefined ? { numSteps } : {}),
        ...(stride !== undefined ? { stride } : {}),
        ...(cls !== null ? { cond: indices([cls]) } : {}),
        // x_t itself (the schedule's frame), as the seed's strip shows it: x / sqrt(1 + sigma^2) for VP models.
        ...(strip
          ? {
              onStep: (info: StepInfo) => {
                if (++k % every === 0 && info.sigma > 0)
                  frames.push({ x: keep(info.x.div(Math.sqrt(1 + info.sigma ** 2))), t: s.timeAt(info.sigma) });
              },
            }
          : {}),
      });
      const grid =
        numSteps !== undefined
          ? `${numSteps} even steps`
          : s.numTimesteps !== null
            ? `stride ${stride ?? 30}`
            : 'even steps';
      const title = `t = ${t}, ${name} from t, ${grid}, ${cls !== null ? `class ${m.classNames[cls]}` : 'no class'}`;
      writeGrid(out, stack([clean, r.noisy, r.blurred, r.oneStep, r.iterative]).squeeze(1), {
        nrow: 5,
        scale,
        title,
        columns: [
          'clean',
          `noisy\n${r.psnr.noisy.toFixed(1)} dB`,
          `blur\n${r.psnr.blurred.toFixed(1)} dB`,
          `one-step\n${r.psnr.oneStep.toFixed(1)} dB`,
          `iterative\n${r.psnr.iterative.toFixed(1)} dB`,
        ],
      });
      if (strip) {
        const shown = [
          { x: r.noisy, label: `t = ${t}` }, // the start, as the seed's strip shows it
          ...frames.map((f) => ({ x: f.x, label: `t = ${Math.round(f.t)}` })),
          { x: r.iterative, label: 't = 0' },
        ];
        writeGrid(strip, cat(shown.map((f) => f.x)), {
          nrow: shown.length,
          scale,
          title: `${name}: x_t every ${every} steps from t = ${t}`,
          columns: shown.map((f) => f.label),
        });
        for (const f of frames) f.x.dispose();
      }
      const f = (x: number) => `${x.toFixed(2)} dB`;
      console.log(
        `PSNR at t=${t} against the clean image: noisy ${f(r.psnr.noisy)}, gaussian blur ${f(r.psnr.blurred)}, ` +
          `one-step ${f(r.psnr.oneStep)}, iterative (${name}) ${f(r.psnr.iterative)}`,
      );
      console.log(
        `wrote ${out} (clean | noisy | blur | one-step | iterative)${strip ? `; ${count(frames.length + 2, 'frame')} to ${strip}` : ''}`,
      );
    });
    m.network.dispose();
    return 0;
  },
};
