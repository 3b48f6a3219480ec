// `difflab edit sdedit|inpaint|anagram|hybrid`: the editing operations of the library on a trained model, each
// writing one PNG figure (input and result side by side, or a row across start steps for --sweep).
import { resolve } from 'node:path';
import {
  anagramViews,
  encodePng,
  writeFilesAtomic,
  jobDefaults,
  jobSteps,
  stridedTimes,
  type Box,
  type ConditionSpec,
  type JobSpec,
  type LoadedDenoiser,
} from '../../index.js';
import { UsageError, num, numList, oneOf, type Command } from '../command.js';
import { imageJobBytes, requireMemory } from '../limits.js';
import {
  conditionOptions,
  conditioned,
  imageCommandOptions,
  readCondition,
  readFigureScale,
  readModel,
  readPicture,
  readPngOut,
  readSampling,
  runCliJob,
  samplingOptions,
  figurePng,
} from '../image-options.js';

const OPERATIONS = ['sdedit', 'inpaint', 'anagram', 'hybrid'] as const;
type Operation = (typeof OPERATIONS)[number];
type Values = Record<string, string | boolean | string[] | undefined>;

/** The options each operation reads besides the shared ones; any other given option is refused. */
const ownOptions: Record<Operation, readonly string[]> = {
  sdedit: ['image', 'strength', 'start-step', 'sweep', 'stride', 'class', 'embedding', 'prompt', 'negative-prompt'],
  inpaint: ['image', 'mask', 'box', 'resample', 'class', 'embedding', 'prompt', 'negative-prompt'],
  anagram: ['class-a', 'class-b', 'prompt-a', 'prompt-b', 'negative-prompt', 'view', 'n'],
  hybrid: ['class-low', 'class-high', 'prompt-low', 'prompt-high', 'negative-prompt', 'sigma', 'kernel', 'n'],
};
const shared = [
  'model',
  'seed',
  'precision',
  'sampler',
  'steps',
  'eta',
  'variance',
  'guidance',
  'out',
  'scale',
  'figure',
];

/** Anagram and hybrid images: --n of them, each evaluated under two conditions (or views) with guidance. */
function readCount(v: Values, op: 'anagram' | 'hybrid', m: LoadedDenoiser): number {
  const n = num(v.n, 'n', jobDefaults[op].count, { min: 1, integer: true });
  requireMemory(
    `--n ${n}`,
    imageJobBytes({ count: 2 * n, batch: 4 * n, imageShape: m.imageShape, scale: readFigureScale(v) }),
  );
  return n;
}

/** sdedit's and inpaint's condition: --class, --prompt or --embedding (guidance needs one of them). */
function readEditCondition(v: Values, m: LoadedDenoiser): ConditionSpec {
  const c = readCondition(v, m);
  if (!conditioned(c) && v.guidance !== undefined)
    throw new UsageError('--guidance needs --class, --prompt or --embedding');
  return c;
}

/** One of an anagram's or a hybrid's two conditions: --class-X or --prompt-X, exactly one. */
function readSide(v: Values, m: LoadedDenoiser, side: string): ConditionSpec {
  const [cls, prompt] = [`class-${side}`, `prompt-${side}`];
  if ((v[cls] === undefined) === (v[prompt] === undefined))
    throw new UsageError(
      v[cls] === undefined
        ? `missing required option --${cls} or --${prompt}`
        : `give --${cls} or --${prompt}, not both`,
    );
  return readCondition({ ...v, embedding: undefined }, m, { suffix: `-${side}` });
}

/** An operation's options parsed into its job spec. */
function parse(op: Operation, m: LoadedDenoiser, v: Values): JobSpec {
  const stray = Object.keys(v).find((k) => v[k] !== undefined && !shared.includes(k) && !ownOptions[op].includes(k));
  if (stray) throw new UsageError(`--${stray} does not apply to edit ${op}`);
  const sampling = readSampling(v, op, m);
  switch (op) {
    case 'sdedit': {
      const condition = readEditCondition(v, m);
      const given = ['strength', 'start-step', 'sweep'].filter((k) => v[k] !== undefined);
      if (given.length > 1)
        throw new UsageError(
          `give one of --strength, --start-step and --sweep, not ${given.map((k) => `--${k}`).join(' and ')}`,
        );
      const sweep = v.sweep === undefined ? null : numList(v.sweep, 'sweep');
      if (v.stride !== undefined && v.steps !== undefined) throw new UsageError('give --stride or --steps, not both');
      const discrete = m.denoiser.schedule.numTimesteps !== null;
      const stride =
        v.stride !== undefined
          ? num(v.stride, 'stride', undefined, {
              min: 1,
              max: (m.denoiser.schedule.numTimesteps ?? 2) - 1,
              integer: true,
            })
          : sweep && v.steps === undefined && discrete
            ? jobDefaults.sdedit.sweepStride
            : undefined;
      if (stride !== undefined && !discrete)
        throw new UsageError(`--stride needs a discrete schedule; the model's is ${m.denoiser.schedule.name}`);
      const steps = stride !== undefined ? stridedTimes(m.denoiser.schedule, stride).length : jobSteps(m, sampling);
      if (sweep?.some((k) => !Number.isInteger(k) || k < 0 || k > steps)) {
        throw new UsageError(`--sweep: start steps must be integers in [0, ${steps}], got ${String(v.sweep)}`);
      }
      if (sweep && new Set(sweep).size !== sweep.length)
        throw new UsageError(`--sweep lists a start step twice: ${String(v.sweep)}`);
      const start = sweep
        ? { sweep }
        : v['start-step'] !== undefined
          ? { startStep: num(v['start-step'], 'start-step', 0, { min: 0, max: steps, integer: true }) }
          : { strength: num(v.strength, 'strength', jobDefaults.sdedit.strength, { min: 0, max: 1 }) };
      return {
        kind: op,
        image: readPicture(v.image, 'image'),
        start,
        condition,
        ...(stride !== undefined ? { stride } : {}),
        ...sampling,
      };
    }
    case 'inpaint': {
      const condition = readEditCondition(v, m);
      if ((v.mask === undefined) === (v.box === undefined))
        throw new UsageError('give exactly one of --mask MASK.png and --box x,y,w,h');
      let mask;
      if (v.box !== undefined) {
        const b = numList(v.box, 'box');
        if (b.length !== 4) throw new UsageError(`--box takes 4 numbers x,y,w,h, got ${b.length}`);
        const size = m.imageShape[1];
        if (
          !b.every(Number.isInteger) ||
          b[0]! < 0 ||
          b[1]! < 0 ||
          b[2]! < 1 ||
          b[3]! < 1 ||
          b[0]! + b[2]! > size ||
          b[1]! + b[3]! > size
        ) {
          throw new UsageError(
            `--box ${String(v.box)}: x,y,w,h must be integers inside the ${size}x${size} image (model pixels)`,
          );
        }
        mask = { x: b[0]!, y: b[1]!, w: b[2]!, h: b[3]! } satisfies Box;
      } else mask = readPicture(v.mask, 'mask');
      return {
        kind: op,
        image: readPicture(v.image, 'image'),
        mask,
        condition,
        resampleSteps: num(v.resample, 'resample', jobDefaults.inpaint.resampleSteps, {
          min: 1,
          max: 100,
          integer: true,
        }),
        ...sampling,
      };
    }
    case 'anagram':
      return {
        kind: op,
        count: readCount(v, op, m),
        a: readSide(v, m, 'a'),
        b: readSide({ ...v, 'negative-prompt': undefined }, m, 'b'),
        view: oneOf(v.view, 'view', anagramViews, jobDefaults.anagram.view),
        ...sampling,
      };
    case 'hybrid': {
      const blurKernel = num(v.kernel, 'kernel', jobDefaults.hybrid.blurKernel, { min: 1, max: 1025, integer: true });
      if (blurKernel % 2 === 0) throw new UsageError(`--kernel must be odd, got ${blurKernel}`);
      return {
        kind: op,
        count: readCount(v, op, m),
        low: readSide(v, m, 'low'),
        high: readSide({ ...v, 'negative-prompt': undefined }, m, 'high'),
        blurSigma: num(v.sigma, 'sigma', jobDefaults.hybrid.blurSigma, { min: 1e-3, max: 1000 }),
        blurKernel,
        ...sampling,
      };
    }
  }
}

export const editCommand: Command = {
  name: 'edit',
  summary: 'edit with a model: sdedit (image-to-image), inpaint, anagram (visual anagrams), hybrid (hybrid images)',
  usage:
    'sdedit --image IMG (--strength S | --start-step K | --sweep 1,3,5,7,10,20) [--class C | --prompt P] --out FILE.png\n' +
    '       difflab edit inpaint --image IMG (--mask MASK.png | --box x,y,w,h) [--resample R] [--class C | --prompt P] --out FILE.png\n' +
    '       difflab edit anagram (--class-a A | --prompt-a P) (--class-b B | --prompt-b Q) [--view flip|rot90|rot180|negate] [--n N] --out FILE.png\n' +
    '       difflab edit hybrid (--class-low A | --prompt-low P) (--class-high B | --prompt-high Q) [--sigma 2] [--kernel 33] [--n N] --out FILE.png',
  maxPositionals: 1,
  options: {
    ...imageCommandOptions,
    ...samplingOptions(OPERATIONS),
    image: { type: 'string', help: 'sdedit/inpaint input: PNG or JPEG, grey or RGB, any size (resized to the model)' },
    strength: {
      type: 'string',
      help: 'sdedit: fraction of the grid re-run, 0 = input, 1 = pure noise',
      default: String(jobDefaults.sdedit.strength),
    },
    'start-step': { type: 'string', help: 'sdedit: start index on the grid (0 = pure noise, --steps = the input)' },
    sweep: {
      type: 'string',
      help: `sdedit: comma-separated start indices i_start, one figure row (e.g. 1,3,5,7,10,20); without --steps on the seeds' grid (--stride ${jobDefaults.sdedit.sweepStride}: t = 990, 960, ..., 30)`,
    },
    stride: {
      type: 'string',
      help: "sdedit: run on every N-th timestep below T (the seeds' strided grid) instead of --steps",
    },
    mask: { type: 'string', help: "inpaint: grey PNG of the image's size, white = generate, black = keep" },
    box: { type: 'string', help: 'inpaint: the region to generate as x,y,w,h in model pixels' },
    resample: {
      type: 'string',
      help: 'inpaint: RePaint resampling, times each step is taken',
      default: String(jobDefaults.inpaint.resampleSteps),
    },
    class: { type: 'string', help: 'sdedit/inpaint: condition on this class (name or id)' },
    embedding: { ...conditionOptions.embedding!, help: `sdedit/inpaint: ${conditionOptions.embedding!.help}` },
    prompt: { ...conditionOptions.prompt!, help: `sdedit/inpaint: ${conditionOptions.prompt!.help}` },
    'negative-prompt': conditionOptions['negative-prompt']!,
    'class-a': { type: 'string', help: 'anagram: class of the image as it is' },
    'class-b': { type: 'string', help: 'anagram: class of the viewed image' },
    'prompt-a': { type: 'string', help: 'anagram: prompt of the image as it is (models that read text)' },
    'prompt-b': { type: 'string', help: 'anagram: prompt of the viewed image' },
    view: { type: 'string', help: `anagram: ${anagramViews.join('|')}`, default: jobDefaults.anagram.view },
    'class-low': { type: 'string', help: 'hybrid: class seen from afar (low frequencies)' },
    'class-high': { type: 'string', help: 'hybrid: class seen up close (high frequencies)' },
    'prompt-low': { type: 'string', help: 'hybrid: prompt seen from afar (models that read text)' },
    'prompt-high': { type: 'string', help: 'hybrid: prompt seen up close' },
    sigma: {
      type: 'string',
      help: 'hybrid: Gaussian low-pass sigma in pixels',
      default: String(jobDefaults.hybrid.blurSigma),
    },
    kernel: {
      type: 'string',
      help: 'hybrid: Gaussian kernel size (odd)',
      default: String(jobDefaults.hybrid.blurKernel),
    },
    n: { type: 'string', help: 'anagram/hybrid: number of images', default: String(jobDefaults.anagram.count) },
    out: {
      type: 'string',
      help: "output .png: sdedit's and inpaint's result at the input's own size and channels (the kept region its own pixels); the figure for --sweep, anagram and hybrid",
    },
    figure: { type: 'string', help: 'sdedit/inpaint: also write the labelled figure (input | result) to this .png' },
  },
  run(v, positionals) {
    if (positionals.length !== 1)
      throw new UsageError(`edit needs one operation: ${OPERATIONS.join('|')} (see difflab edit --help)`);
    const op = positionals[0] as Operation;
    if (!OPERATIONS.includes(op)) throw new UsageError(`edit: unknown operation '${op}' (${OPERATIONS.join('|')})`);
    const out = readPngOut(v.out);
    const figure = v.figure === undefined ? null : readPngOut(v.figure);
    if (figure !== null && (!['sdedit', 'inpaint'].includes(op) || v.sweep !== undefined))
      throw new UsageError(`--figure applies to one sdedit or inpaint result (here --out is the figure)`);
    if (figure !== null && resolve(figure) === resolve(out))
      throw new UsageError('--figure and --out name the same file');
    const m = readModel(v);
    try {
      const spec = parse(op, m, v);
      runCliJob(m, spec, (result) => {
        const p = result.picture;
        const files: { path: string; data: Uint8Array }[] = [];
        if (p) files.push({ path: out, data: encodePng(p.image, { channels: p.channels }) });
        const fig = p ? figure : out;
        if (fig !== null) files.push({ path: fig, data: figurePng(result, { scale: readFigureScale(v) }).png });
        writeFilesAtomic(files);
        const what = p ? `the result at ${p.image.width}x${p.image.height}` : 'the figure';
        console.log(`wrote ${what} to ${out}${p && figure ? `, the figure to ${figure}` : ''}: ${result.summary}`);
      });
    } finally {
      m.network.dispose();
    }
    return 0;
  },
};
