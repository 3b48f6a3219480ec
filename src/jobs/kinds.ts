// Every kind of job a door offers, each its own file (its spec, defaults, fields, parse and run), listed here once:
// the CLI's options and help, the API's validation and /api/info are made from these fields, runJob runs what they
// parse, and JobSpec, jobKinds and jobDefaults are read off the list. A new edit is its editing function, its job
// file and one line in editFiles (docs/ARCHITECTURE.md). mixture.ts (sampling an exact Gaussian mixture) and eval.ts
// (measuring a model against real pictures) are job files too, but not listed: the one's context is a mixture, not a
// loaded model, and the other's a model, a classifier and real sets, for the command line alone.
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
import { DEFAULT_SEED, type SamplingDefaults } from './specs.js';

export type { GenerateSpec } from './generate.js';
export type { SdeditSpec } from './sdedit.js';
export type { InpaintSpec } from './inpaint.js';
export type { AnagramSpec } from './anagram.js';
export type { HybridSpec } from './hybrid.js';
export type { ForwardSpec } from './forward.js';
export type { DenoiseSpec } from './denoise.js';
export { anagramViews } from './anagram.js';

/** What a job file exports: its spec's defaults, its fields, their parsing for every door, and the job's run. */
export interface JobFile<S extends { kind: string }> {
  /** Every default the job has, with its reasons beside it (sampling jobs: SamplingDefaults and their extras). */
  defaults: object;
  /** The main fields in brief, as a command line writes them. */
  usage: string;
  fields: Fields;
  parse(door: Door, ctx: FieldContext): S;
  run(m: LoadedDenoiser, spec: S, o?: RunJobOptions): JobOutput;
}

/** The kinds `difflab edit` offers (each an operation on a picture or a pair of conditions), in its order. */
const edits = { sdedit, inpaint, anagram, hybrid };
/** Every kind of job a door offers. */
const files = { generate, ...edits, forward, denoise };

type Files = typeof files;
/** Any job, as a door parses it and runJob runs it. */
export type JobSpec = { [K in keyof Files]: ReturnType<Files[K]['parse']> }[keyof Files];
export type JobKind = JobSpec['kind'];
export type EditKind = keyof typeof edits;
/** The kinds that run a sampler. */
export type SamplingJobKind = { [K in JobKind]: Files[K]['defaults'] extends SamplingDefaults ? K : never }[JobKind];

/** Each file as a JobFile: its parse gives its own kind of spec and its run takes that. */
export const jobFiles: { [K in JobKind]: JobFile<Extract<JobSpec, { kind: K }>> } = files;
export const editFiles: { [K in EditKind]: JobFile<Extract<JobSpec, { kind: K }>> } = edits;
export const jobKinds = Object.keys(files) as JobKind[];
export const editKinds = Object.keys(edits) as EditKind[];

/** Every job default, each from its job file; the seed is every job's. */
export const jobDefaults = {
  seed: DEFAULT_SEED,
  ...(Object.fromEntries(Object.entries(files).map(([k, f]) => [k, f.defaults])) as {
    [K in JobKind]: Files[K]['defaults'];
  }),
  preview: generate.previewDefaults,
};

/** "ddim (generate), ..." help text of one sampling default across the jobs that have it. */
export function defaultsText(key: 'sampler' | 'eta' | 'guidance', kinds: readonly SamplingJobKind[]): string {
  const groups = new Map<string, SamplingJobKind[]>();
  for (const k of kinds) {
    const v = String(jobDefaults[k][key]);
    groups.set(v, [...(groups.get(v) ?? []), k]);
  }
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups].map(([v, ks]) => `${v} (${ks.join(', ')})`).join(', ');
}
