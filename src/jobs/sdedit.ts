// SDEdit (Meng et al. 2022): noise a picture part way along the sampler's grid and denoise it back, towards a class
// or a prompt where one is given. Its fields, once, and their parsing for every door.
import { sdedit, sdeditStartStep } from '../editing/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { stepGrid, type StepInfo } from '../samplers/index.js';
import { jobCondition } from './condition.js';
import {
  guided,
  samplingOutput,
  jobSteps,
  samplingRun,
  stepper,
  stepsText,
  towards,
  type JobOutput,
  type RunJobOptions,
} from './output.js';
import { jobPicture, pictureAtInputSize } from './pictures.js';
import { defaultStepsFor } from '../samplers/names.js';
import { conditionFields, readConditioned, samplingFields } from './common-fields.js';
import {
  int,
  isGiven,
  numbers,
  picture,
  readNumber,
  readNumbers,
  real,
  type Door,
  type FieldContext,
} from './fields.js';
import type { SamplingSpec, ConditionSpec, Picture, SamplingDefaults } from './specs.js';

export interface SdeditSpec extends SamplingSpec {
  kind: 'sdedit';
  image: Picture;
  /** Where on the grid to start: a strength in [0, 1], a start index, or one figure column per start index. */
  start: { strength: number } | { startStep: number } | { sweep: number[] };
  /** Run on the seeds' strided grid of a discrete schedule (stridedTimes: 990, 960, ..., 30 for 30) instead of numSteps. */
  stride?: number;
  condition: ConditionSpec;
}

/**
 * The edits take DDIM with eta = 1, which is exactly the strided DDPM posterior ("iterative denoising" of the
 * seeds) at DDIM's 50 steps: DDPM's own default is all T = 1000 steps (Algorithm 2), too slow for an edit. Half the
 * way back by default; a --sweep runs on the seeds' strided grid (every 30th timestep from 990) unless steps are
 * given.
 */
export const defaults = {
  sampler: 'ddim',
  eta: 1,
  guidance: 1,
  strength: 0.5,
  sweepStride: 30,
} as const satisfies SamplingDefaults;

/** The fields a command line names, in brief (its --help lists them all). */
export const usage =
  '--image IMG (--strength S | --start-step K | --sweep 1,3,5,7,10,20 [--stride 30]) [--class C | --prompt P]';

export const fields = {
  image: picture(
    'the picture to edit: PNG or JPEG, grey or RGB, any size (resized to the model; the result comes back at its own size)',
  ),
  strength: real(defaults.strength, { min: 0, max: 1 }, 'fraction of the grid re-run, 0 = the input, 1 = pure noise'),
  startStep: int(undefined, { min: 0 }, 'start index on the grid (0 = pure noise, the number of steps = the input)'),
  sweep: numbers(
    { min: 0, integer: true },
    `comma-separated start indices i_start, one figure column each (e.g. 1,3,5,7,10,20); without steps on the seeds' grid (stride ${defaults.sweepStride}: t = 990, 960, ..., 30)`,
  ),
  stride: int(
    undefined,
    { min: 1, max: (c: FieldContext) => (c.schedule.numTimesteps ?? 2) - 1 },
    "run on every N-th timestep below T (the seeds' strided grid) instead of steps",
  ),
  ...conditionFields,
  ...samplingFields(defaults),
};

/** The number of steps on the grid a spec runs: the stride's times, or the sampler's steps. */
function gridSteps(ctx: FieldContext, stride: number | undefined, sampler: SdeditSpec['sampler'], numSteps?: number) {
  if (stride === undefined) return numSteps ?? defaultStepsFor(sampler, ctx.schedule.numTimesteps);
  // stridedTimes' grid: every multiple of the stride below T, from the largest down to the stride.
  return Math.floor((ctx.schedule.numTimesteps! - 1) / stride);
}

export function parse(door: Door, ctx: FieldContext): SdeditSpec {
  const { condition, sampling } = readConditioned(door, defaults, ctx);
  const starts = (['strength', 'startStep', 'sweep'] as const).filter((k) => isGiven(door, k));
  if (starts.length > 1)
    door.refuse(
      `give one of ${door.name('strength')}, ${door.name('startStep')} and ${door.name('sweep')}, not ${starts.map((k) => door.name(k)).join(' and ')}`,
    );
  if (isGiven(door, 'stride') && isGiven(door, 'steps'))
    door.refuse(`give ${door.name('stride')} or ${door.name('steps')}, not both`);
  const discrete = ctx.schedule.numTimesteps !== null;
  if (isGiven(door, 'stride') && !discrete)
    door.refuse(`${door.name('stride')} needs a discrete schedule; the model's is ${ctx.schedule.name}`);
  // A sweep without steps runs on the seeds' strided grid.
  const stride =
    readNumber(door, 'stride', fields.stride, ctx) ??
    (isGiven(door, 'sweep') && !isGiven(door, 'steps') && discrete ? defaults.sweepStride : undefined);
  const steps = gridSteps(ctx, stride, sampling.sampler, sampling.numSteps);
  const sweep = readNumbers(door, 'sweep', { ...fields.sweep, max: steps }, ctx);
  if (sweep && new Set(sweep).size !== sweep.length)
    door.refuse(`${door.name('sweep')} lists a start step twice: ${sweep.join(',')}`);
  const startStep = readNumber(door, 'startStep', { ...fields.startStep, max: steps }, ctx);
  const start = sweep
    ? { sweep }
    : startStep !== undefined
      ? { startStep }
      : { strength: readNumber(door, 'strength', fields.strength, ctx)! };
  return {
    kind: 'sdedit',
    image: door.picture('image', door.given('image')),
    start,
    condition,
    ...(stride !== undefined ? { stride } : {}),
    ...sampling,
  };
}

/** The edited picture (and the figure's input | result), or one column per start step of a sweep. */
export function run(m: LoadedDenoiser, spec: SdeditSpec, o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const s = m.denoiser.schedule;
  // The grid: the seeds' strided times when a stride is given, else the sampler's own (stepGrid makes both).
  const grid = stepGrid(spec.sampler, m.denoiser, {
    ...(spec.stride !== undefined ? { stride: { stride: spec.stride } } : { numSteps: jobSteps(m, spec) }),
  });
  const n = grid.length - 1;
  const r = samplingRun(
    m,
    spec,
    spec.stride !== undefined ? { steps: `${stepsText(n)} of stride ${spec.stride}` } : {},
  );
  const input = jobPicture(m, spec.image, notes);
  const c = jobCondition(m, spec.condition, 1, notes);
  const d = guided(m, c.given ? spec.guidance : 1, c.nullCond);
  const starts = 'sweep' in spec.start ? spec.start.sweep.map((k) => ({ startStep: k })) : [spec.start];
  const st = stepper(
    starts.reduce((a, x) => a + n - sdeditStartStep(n, x), 0),
    o,
  );
  const results = starts.map((start) =>
    sdedit(d, input.image, {
      sampler: r.sampler,
      sigmas: grid,
      rng: r.rngFor(1),
      cond: c.cond,
      onStep: (i: StepInfo) => st.onStep(i),
      ...start,
    }),
  );
  if ('sweep' in spec.start) {
    const tAt = (k: number) => Number(s.timeAt(grid[k]!).toPrecision(3));
    const panels = [
      ...spec.start.sweep.map((k, i) => ({
        label: k === 0 ? 'i 0: noise' : `i ${k}: t ${tAt(k)}`,
        images: results[i]!,
      })),
      { label: 'input', images: input.image },
    ];
    const what = `SDEdit from start steps ${spec.start.sweep.join(', ')} of ${n}${towards(c.label)} (last: the input)`;
    return samplingOutput(r, st, notes, panels, 0, what, { subject: `SDEdit${towards(c.label)}` });
  }
  const from = 'startStep' in spec.start ? `start step ${spec.start.startStep}` : `strength ${spec.start.strength}`;
  const how = `${from}${towards(c.label)}`;
  return samplingOutput(
    r,
    st,
    notes,
    [
      { label: 'input', images: input.image },
      { label: 'result', images: results[0]! },
    ],
    1,
    `SDEdit (${how}): input | result`,
    {
      pictures: [{ name: '', label: 'result', ...pictureAtInputSize(results[0]!, input.decoded) }],
      subject: `SDEdit, ${how}`,
    },
  );
}
