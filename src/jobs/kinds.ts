// Every kind of job a door offers, each its own file (fields, parse, run): the CLI's options and help, the API's
// validation and /api/info are made from these fields, and runJob runs what they parse. (mixture.ts, sampling an
// exact Gaussian mixture, is a job file too, but on a mixture rather than a model and the command line's alone.)
import * as anagram from './anagram.js';
import * as denoise from './denoise.js';
import type { Door, FieldContext, Fields } from './fields.js';
import * as forward from './forward.js';
import * as generate from './generate.js';
import * as hybrid from './hybrid.js';
import * as inpaint from './inpaint.js';
import * as sdedit from './sdedit.js';
import type { LoadedDenoiser } from '../model/index.js';
import type { JobOutput, RunJobOptions } from './output.js';
import type { JobKind, JobSpec } from './specs.js';

/** What a job file exports: its fields, their parsing for every door, and the job's run. */
export interface JobFile<S extends JobSpec> {
  /** The main fields in brief, as a command line writes them. */
  usage: string;
  fields: Fields;
  parse(door: Door, ctx: FieldContext): S;
  run(m: LoadedDenoiser, spec: S, o?: RunJobOptions): JobOutput;
}

export const jobFiles: { [K in JobKind]: JobFile<Extract<JobSpec, { kind: K }>> } = {
  generate,
  sdedit,
  inpaint,
  anagram,
  hybrid,
  forward,
  denoise,
};

/** The kinds `difflab edit` offers (each an operation on a picture or a pair of conditions). */
export const editKinds = ['sdedit', 'inpaint', 'anagram', 'hybrid'] as const satisfies readonly JobKind[];
export type EditKind = (typeof editKinds)[number];
