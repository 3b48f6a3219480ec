// The forward process q(x_t | x_0) of a picture at several times. Its fields, once, and their parsing for every door.
import { int, numbers, picture, readNumber, readNumbers, type Door, type FieldContext } from './fields.js';
import { MAX_SEED } from './common-fields.js';
import { jobDefaults, type ForwardSpec } from './specs.js';

export const fields = {
  image: picture('PNG or JPEG, grey or RGB, any size'),
  times: {
    ...numbers({ min: 0, max: (c: FieldContext) => c.schedule.tMax }, 'comma-separated noise times on the schedule'),
    cli: 't',
    defaultText: `${jobDefaults.forward.numTimes} evenly spaced from 0 to the schedule's largest time (0,100,...,999 on T = 1000)`,
  },
  seed: int(jobDefaults.seed, { min: 0, max: MAX_SEED }, 'noise seed'),
};

/** The default times: numTimes evenly spaced from 0 to tMax, whole steps on a discrete schedule. */
export function defaultTimes(schedule: FieldContext['schedule']): number[] {
  const k = jobDefaults.forward.numTimes;
  return Array.from({ length: k }, (_, i) => {
    const t = (i * schedule.tMax) / (k - 1);
    return schedule.numTimesteps !== null ? Math.round(t) : t;
  });
}

export function parse(door: Door, ctx: FieldContext): ForwardSpec {
  const times = readNumbers(door, 'times', fields.times, ctx) ?? defaultTimes(ctx.schedule);
  const discrete = ctx.schedule.numTimesteps !== null;
  return {
    kind: 'forward',
    image: door.picture('image', door.given('image')),
    times: times.map((t) => (discrete ? Math.round(t) : t)),
    seed: readNumber(door, 'seed', fields.seed, ctx)!,
  };
}
