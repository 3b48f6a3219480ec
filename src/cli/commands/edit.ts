// `difflab edit sdedit|inpaint|anagram|hybrid`: the editing operations of the library on a trained model, each
// writing one PNG figure (input and result side by side, or a row across start steps for --sweep).
import {
  PerSampleRng, boxMask, cat, classifierFreeGuidance, gaussianBlur, hybridImage, indices, inpaint, loadMask,
  sdedit, tidy, view, viewNames, visualAnagram, type Cond, type Denoiser, type LoadedDenoiser, type Tensor,
} from '../../index.js';
import { UsageError, num, numList, oneOf, str, type Command } from '../command.js';
import {
  EDIT_STEPS, imageCommandOptions, readClass, readImage, readModel, readPngOut, readSampler, samplerOptions, writeGrid,
} from '../image-options.js';

const OPERATIONS = ['sdedit', 'inpaint', 'anagram', 'hybrid'] as const;
type Values = Record<string, string | boolean | string[] | undefined>;

/** The model's denoiser with classifier-free guidance of scale w for a batch of n (w = 1: unguided). */
function guided(m: LoadedDenoiser, w: number, n: number): Denoiser {
  return w === 1 ? m.denoiser : classifierFreeGuidance(m.denoiser, { scale: w, nullCond: indices(new Array<number>(n).fill(m.nullClass)) });
}
const classCond = (id: number | null, n: number): Cond => (id === null ? null : indices(new Array<number>(n).fill(id)));

/** One edit: the figure's rows (each (k, C, H, W)) and a line for the user. */
type Edit = (m: LoadedDenoiser, v: Values) => { images: Tensor; nrow: number; summary: string };

const sdeditOp: Edit = (m, v) => {
  const { sampler, numSteps } = readSampler(v, m.denoiser, 'ddpm', EDIT_STEPS);
  const image = readImage(str(v.image, 'image'), m).image;
  const cls = readClass(v.class, 'class', m);
  const w = num(v.guidance, 'guidance', 1);
  const sweep = v.sweep === undefined ? null : numList(v.sweep, 'sweep');
  if (v.strength !== undefined && v['start-step'] !== undefined) throw new UsageError('give --strength or --start-step, not both');
  const bad = sweep?.find((k) => !Number.isInteger(k) || k < 0 || k > numSteps);
  if (bad !== undefined) throw new UsageError(`--sweep: start steps must be integers in [0, ${numSteps}], got ${bad}`);
  const seed = num(v.seed, 'seed', 0, { min: 0, integer: true });
  const edit = (o: { strength?: number; startStep?: number }) => sdedit(guided(m, cls === null ? 1 : w, 1), image, {
    sampler, numSteps, rng: PerSampleRng.of(seed, 1), cond: classCond(cls, 1), ...o,
  });
  if (sweep) {
    const row = sweep.map((k) => edit({ startStep: k }));
    return { images: cat([...row, image]), nrow: sweep.length + 1, summary: `SDEdit from start steps ${sweep.join(', ')} of ${numSteps} (last: the input)` };
  }
  const o = v['start-step'] !== undefined
    ? { startStep: num(v['start-step'], 'start-step', 0, { min: 0, max: numSteps, integer: true }) }
    : { strength: num(v.strength, 'strength', 0.5, { min: 0, max: 1 }) };
  return { images: cat([image, edit(o)]), nrow: 2, summary: `SDEdit (${o.startStep !== undefined ? `start step ${o.startStep}` : `strength ${o.strength}`}): input | result` };
};

const inpaintOp: Edit = (m, v) => {
  const { sampler, numSteps } = readSampler(v, m.denoiser, 'ddpm', EDIT_STEPS);
  const input = readImage(str(v.image, 'image'), m);
  const size = m.imageShape[1];
  if ((v.mask === undefined) === (v.box === undefined)) throw new UsageError('give exactly one of --mask MASK.png and --box x,y,w,h');
  let mask: Tensor;
  try {
    if (v.mask !== undefined) mask = loadMask(String(v.mask), { width: input.width, height: input.height, size });
    else {
      const [x, y, w, h] = numList(v.box, 'box');
      mask = boxMask(size, { x: x!, y: y!, w: w!, h: h! });
    }
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}`, e instanceof UsageError ? 2 : 1);
  }
  const cls = readClass(v.class, 'class', m);
  const seed = num(v.seed, 'seed', 0, { min: 0, integer: true });
  const out = inpaint(guided(m, cls === null ? 1 : num(v.guidance, 'guidance', 1), 1), input.image, {
    sampler, numSteps, mask, rng: PerSampleRng.of(seed, 1), cond: classCond(cls, 1),
    resampleSteps: num(v.resample, 'resample', 1, { min: 1, integer: true }),
  });
  const holed = input.image.mul(mask.neg().add(1)); // the hole shown as mid-grey (0)
  return { images: cat([input.image, holed, out]), nrow: 3, summary: 'inpainting: input | kept region | result' };
};

const anagramOp: Edit = (m, v) => {
  const { sampler, numSteps } = readSampler(v, m.denoiser, 'ddpm', EDIT_STEPS);
  const n = num(v.n, 'n', 1, { min: 1, integer: true });
  const [a, b] = [readClass(str(v['class-a'], 'class-a'), 'class-a', m)!, readClass(str(v['class-b'], 'class-b'), 'class-b', m)!];
  const vw = view(oneOf(v.view, 'view', viewNames, 'flip'));
  const d = visualAnagram(guided(m, num(v.guidance, 'guidance', 3), n), { condA: classCond(a, n), condB: classCond(b, n), view: vw });
  const x = sampler(d, [n, ...m.imageShape], { rng: PerSampleRng.of(num(v.seed, 'seed', 0, { min: 0, integer: true }), n), numSteps });
  const pairs = cat(Array.from({ length: n }, (_, i) => { const xi = x.slice(0, i, i + 1); return cat([xi, vw.apply(xi)]); }));
  return { images: pairs, nrow: 2, summary: `visual anagram: ${m.classNames[a]} as is | ${m.classNames[b]} under ${vw.name}` };
};

const hybridOp: Edit = (m, v) => {
  const { sampler, numSteps } = readSampler(v, m.denoiser, 'ddpm', EDIT_STEPS);
  const n = num(v.n, 'n', 1, { min: 1, integer: true });
  const [lo, hi] = [readClass(str(v['class-low'], 'class-low'), 'class-low', m)!, readClass(str(v['class-high'], 'class-high'), 'class-high', m)!];
  const kernel = num(v.kernel, 'kernel', 33, { min: 1, integer: true });
  if (kernel % 2 === 0) throw new UsageError(`--kernel must be odd, got ${kernel}`);
  const blur = { kernelSize: kernel, sigma: num(v.sigma, 'sigma', 2, { min: 1e-3 }) };
  const d = hybridImage(guided(m, num(v.guidance, 'guidance', 3), n), { condLow: classCond(lo, n), condHigh: classCond(hi, n), blur });
  const x = sampler(d, [n, ...m.imageShape], { rng: PerSampleRng.of(num(v.seed, 'seed', 0, { min: 0, integer: true }), n), numSteps });
  const blurred = gaussianBlur(x, blur);
  const pairs = cat(Array.from({ length: n }, (_, i) => cat([x.slice(0, i, i + 1), blurred.slice(0, i, i + 1)])));
  return { images: pairs, nrow: 2, summary: `hybrid image: ${m.classNames[hi]} up close | ${m.classNames[lo]} blurred (as from afar)` };
};

const operations: Record<(typeof OPERATIONS)[number], Edit> = { sdedit: sdeditOp, inpaint: inpaintOp, anagram: anagramOp, hybrid: hybridOp };

export const editCommand: Command = {
  name: 'edit',
  summary: 'edit with a model: sdedit (image-to-image), inpaint, anagram (visual anagrams), hybrid (hybrid images)',
  usage: 'sdedit --image IMG (--strength S | --start-step K | --sweep 1,3,5,7,10,20) [--class C] --out FILE.png\n' +
    '       difflab edit inpaint --image IMG (--mask MASK.png | --box x,y,w,h) [--resample R] [--class C] --out FILE.png\n' +
    '       difflab edit anagram --class-a A --class-b B [--view flip|rot90|rot180|negate] [--n N] --out FILE.png\n' +
    '       difflab edit hybrid --class-low A --class-high B [--sigma 2] [--kernel 33] [--n N] --out FILE.png',
  options: {
    ...imageCommandOptions,
    ...samplerOptions,
    image: { type: 'string', help: 'sdedit/inpaint input: PNG or JPEG, grey or RGB, any size (resized to the model)' },
    strength: { type: 'string', help: 'sdedit: fraction of the grid re-run, 0 = input, 1 = pure noise', default: '0.5' },
    'start-step': { type: 'string', help: 'sdedit: start index on the grid (0 = pure noise, --steps = the input)' },
    sweep: { type: 'string', help: 'sdedit: comma-separated start steps, one figure row (e.g. 1,3,5,7,10,20)' },
    mask: { type: 'string', help: 'inpaint: grey PNG of the image\'s size, white = generate, black = keep' },
    box: { type: 'string', help: 'inpaint: the region to generate as x,y,w,h in model pixels' },
    resample: { type: 'string', help: 'inpaint: RePaint resampling, times each step is taken', default: '1' },
    class: { type: 'string', help: 'sdedit/inpaint: condition on this class (name or id)' },
    guidance: { type: 'string', help: 'classifier-free guidance scale', default: '1 (sdedit, inpaint), 3 (anagram, hybrid)' },
    'class-a': { type: 'string', help: 'anagram: class of the image as it is' },
    'class-b': { type: 'string', help: 'anagram: class of the viewed image' },
    view: { type: 'string', help: `anagram: ${viewNames.filter((n) => n !== 'identity').join('|')} (or identity)`, default: 'flip' },
    'class-low': { type: 'string', help: 'hybrid: class seen from afar (low frequencies)' },
    'class-high': { type: 'string', help: 'hybrid: class seen up close (high frequencies)' },
    sigma: { type: 'string', help: 'hybrid: Gaussian low-pass sigma in pixels', default: '2' },
    kernel: { type: 'string', help: 'hybrid: Gaussian kernel size (odd)', default: '33' },
    n: { type: 'string', help: 'anagram/hybrid: number of images', default: '1' },
    out: { type: 'string', help: 'output .png' },
  },
  run(v, positionals) {
    if (positionals.length !== 1) throw new UsageError(`edit needs one operation: ${OPERATIONS.join('|')} (see difflab edit --help)`);
    const op = oneOf(positionals[0], 'operation', OPERATIONS);
    const out = readPngOut(v.out);
    const m = readModel(v);
    try {
      tidy(() => {
        const { images, nrow, summary } = operations[op](m, v);
        writeGrid(out, images, { nrow });
        console.log(`wrote ${out}: ${summary}`);
      });
    } finally {
      m.network.dispose();
    }
    return 0;
  },
};
