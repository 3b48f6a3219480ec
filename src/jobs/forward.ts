// The forward process q(x_t | x_0) of a picture at several times. Its fields, once, and their parsing for every door.
import { Rng } from '../engine/index.js';
import { forwardStrip } from '../editing/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import type { JobOutput, RunJobOptions } from './output.js';
import { jobPicture } from './pictures.js';
import { int, numbers, picture, readNumber, readNumbers, type Door, type FieldContext } from './fields.js';
import { MAX_SEED } from './common-fields.js';
import { DEFAULT_SEED, type Picture } from './specs.js';

export interface ForwardSpec {
  kind: 'forward';
  image: Picture;
  /** Noise times on the model's schedule. */
  times: number[];
  seed: number;
}

/** The forward process at 11 evenly spaced times from 0 to the schedule's tMax. */
export const defaults = { numTimes: 11 } as const;

/** The fields a command line names, in brief (its --help lists them all). */
export const usage = '--image IMG [--t T1,T2,...] [--seed S]';

export const fields = {
  image: picture('PNG or JPEG, grey or RGB, any size'),
  times: {
    ...numbers({ min: 0, max: (c: FieldContext) => c.schedule.tMax }, 'comma-separated noise times on the schedule'),
    cli: 't',
    defaultText: `${defaults.numTimes} evenly spaced from 0 to the schedule's largest time (0, 100, ..., 1000 on T = 1000)`,
  },
  seed: int(DEFAULT_SEED, { min: 0, max: MAX_SEED }, 'noise seed'),
};

/** The default times: numTimes evenly spaced from 0 to tMax, whole steps on a discrete schedule. */
export function defaultForwardTimes(schedule: FieldContext['schedule']): number[] {
  const k = defaults.numTimes;
  return Array.from({ length: k }, (_, i) => {
    const t = (i * schedule.tMax) / (k - 1);
    return schedule.numTimesteps !== null ? Math.round(t) : t;
  });
}

export function parse(door: Door, ctx: FieldContext): ForwardSpec {
  const times = readNumbers(door, 'times', fields.times, ctx) ?? defaultForwardTimes(ctx.schedule);
  const discrete = ctx.schedule.numTimesteps !== null;
  return {
    kind: 'forward',
    image: door.picture('image', door.given('image')),
    times: times.map((t) => (discrete ? Math.round(t) : t)),
    seed: readNumber(door, 'seed', fields.seed, ctx)!,
  };
}

/** The picture at each time, one panel a time. */
export function run(m: LoadedDenoiser, spec: ForwardSpec, _o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const image = jobPicture(m, spec.image, notes).image;
  const strip = forwardStrip(m.denoiser.schedule, image, { times: spec.times, rng: new Rng(spec.seed) });
  const panels = spec.times.map((t, i) => ({ label: `t = ${t}`, images: strip.slice(0, i, i + 1) }));
  const settings = `${m.denoiser.schedule.name} schedule, seed ${spec.seed}`;
  return {
    panels,
    result: panels.length - 1,
    frames: [],
    notes,
    settings,
    summary: `forward process at t = ${spec.times.join(', ')} (${settings})`,
  };
}
