// Every kind of job a door offers, each its own file (fields, parse): the CLI's options and help, the API's
// validation and /api/info are made from these fields.
import * as anagram from './anagram.js';
import type { Door, FieldContext, Fields } from './fields.js';
import * as forward from './forward.js';
import * as generate from './generate.js';
import * as hybrid from './hybrid.js';
import * as inpaint from './inpaint.js';
import * as sdedit from './sdedit.js';
import type { JobKind, JobSpec } from './specs.js';

export const jobFiles: {
  [K in JobKind]: { fields: Fields; parse(door: Door, ctx: FieldContext): JobSpec & { kind: K } };
} = {
  generate,
  sdedit,
  inpaint,
  anagram,
  hybrid,
  forward,
};

/** A kind's fields. */
export const fieldsOf = (kind: JobKind): Fields => jobFiles[kind].fields;

/** Parses a job of a kind from a door: one verdict for every door. */
export function parseJobFrom(kind: JobKind, door: Door, ctx: FieldContext): JobSpec {
  return jobFiles[kind].parse(door, ctx);
}
