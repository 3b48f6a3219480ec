// SDEdit (Meng et al. 2022): noise a picture part way along the sampler's grid and denoise it back, towards a class
// or a prompt where one is given. Its fields, once, and their parsing for every door.
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
import { jobDefaults, type SdeditSpec } from './specs.js';

export const fields = {
  image: picture(
    'the picture to edit: PNG or JPEG, grey or RGB, any size (resized to the model; the result comes back at its own size)',
  ),
  strength: real(
    jobDefaults.sdedit.strength,
    { min: 0, max: 1 },
    'fraction of the grid re-run, 0 = the input, 1 = pure noise',
  ),
  startStep: int(undefined, { min: 0 }, 'start index on the grid (0 = pure noise, the number of steps = the input)'),
  sweep: numbers(
    { min: 0, integer: true },
    `comma-separated start indices i_start, one figure column each (e.g. 1,3,5,7,10,20); without steps on the seeds' grid (stride ${jobDefaults.sdedit.sweepStride}: t = 990, 960, ..., 30)`,
  ),
  stride: int(
    undefined,
    { min: 1, max: (c: FieldContext) => (c.schedule.numTimesteps ?? 2) - 1 },
    "run on every N-th timestep below T (the seeds' strided grid) instead of steps",
  ),
  ...conditionFields,
  ...samplingFields('sdedit'),
};

/** The number of steps on the grid a spec runs: the stride's times, or the sampler's steps. */
function gridSteps(ctx: FieldContext, stride: number | undefined, sampler: SdeditSpec['sampler'], numSteps?: number) {
  if (stride === undefined) return numSteps ?? defaultStepsFor(sampler, ctx.schedule.numTimesteps);
  // stridedTimes' grid: every multiple of the stride below T, from the largest down to the stride.
  return Math.floor((ctx.schedule.numTimesteps! - 1) / stride);
}

export function parse(door: Door, ctx: FieldContext): SdeditSpec {
  const { condition, sampling } = readConditioned(door, 'sdedit', ctx);
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
    (isGiven(door, 'sweep') && !isGiven(door, 'steps') && discrete ? jobDefaults.sdedit.sweepStride : undefined);
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
