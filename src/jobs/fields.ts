// Job fields: what a kind of job reads, stated once (type, default, bounds, the one-line help), and read the same
// way by every door. A door (doors.ts for the CLI, server/protocol.ts for the API) says only how a value arrives
// (a command-line string, a JSON value), how a field is named in a message (--resample, 'resample') and which
// named caps it lays over the bounds (the public server's resource limits). Everything else, the bounds and the
// checks between fields, is the job file's `parse`, shared by all doors: one value, one verdict.
import type { NpyArray } from '../io/npy.js';
import {
  boundAt,
  numberVerdict,
  rangeText,
  show,
  type Bound as BoundIn,
  type ChoiceField,
  type FieldBase,
  type FlagField,
  type NumberField as NumberFieldIn,
  type NumbersField as NumbersFieldIn,
  type SpecOf,
} from '../model/fields.js';
import type { Picture } from './specs.js';
import type { ModelInfo } from './worker-protocol.js';

// The vocabulary any setting is written in (model/fields.ts), for the job files.
export {
  choice,
  cliName,
  defaultText,
  flag,
  int,
  numberVerdict,
  numbers,
  rangeText,
  real,
  show,
  type ChoiceField,
  type FlagField,
  type SpecOf,
  type ValueOf,
} from '../model/fields.js';

/** What a field's bounds may depend on: the model (its schedule's T, its classes). */
export type FieldContext = ModelInfo;
/** A bound: a number, or one that depends on the model. */
export type Bound = BoundIn<FieldContext>;
export type NumberField = NumberFieldIn<FieldContext>;
export type NumbersField = NumbersFieldIn<FieldContext>;
/** A prompt: words, checked by promptProblem against how the model reads prompts. */
export interface TextField extends FieldBase {
  type: 'text';
}
/** A class by name or id. */
export interface ClassField extends FieldBase {
  type: 'class';
}
/** A picture: a file on the command line, a PNG data URL on the API. */
export interface PictureField extends FieldBase {
  type: 'picture';
}
/** Condition vectors from a .npy file: the command line only (the API takes no files). */
export interface VectorsField extends FieldBase {
  type: 'vectors';
  cliOnly: true;
}
export type Field =
  NumberField | NumbersField | ChoiceField | FlagField | TextField | ClassField | PictureField | VectorsField;
export type Fields = Record<string, Field>;

export const text = (help: string): TextField => ({ type: 'text', help });
export const classOf = (help: string): ClassField => ({ type: 'class', help });
export const picture = (help: string): PictureField => ({ type: 'picture', help });
export const vectors = (help: string): VectorsField => ({ type: 'vectors', cliOnly: true, help });

/** A server's narrower bounds over named fields (every kind that has the field), declared once and shown. */
export type Caps = Record<string, { min?: number; max?: number; maxLength?: number }>;

/** How a refused number is described to a door's wording: the bounds it was checked against and what it got. */
export interface NumberRefusal {
  key: string;
  integer: boolean;
  min?: number;
  max?: number;
  above?: number;
  /** 'type': not a number at all; the others name the bound it broke. */
  broke: NonNullable<ReturnType<typeof numberVerdict>>;
  got: unknown;
}

/** A door: where the values come from and how refusals are worded. */
export interface Door {
  /** The raw value of a field (by key), undefined when absent. */
  given(key: string): unknown;
  /** Whether the door has this field (the API has no files of vectors). */
  offers(key: string): boolean;
  /** The field as a message names it: --start-step, 'startStep'. */
  name(key: string): string;
  /** The door's narrower bounds (the server's caps); {} for none. */
  caps: Caps;
  /** A raw value as a number (the CLI's decimal text, the API's JSON number); NaN when it is none. */
  number(raw: unknown): number;
  /** A raw value as a list of numbers ("1,3,5" or [1, 3, 5]); null when it is none. */
  numbers(raw: unknown): number[] | null;
  /** "a comma-separated list of 4 integers", "an array of ...": how the door writes a list. */
  listOf(what: string): string;
  /** A raw value as text; null when it is not text. */
  text(raw: unknown): string | null;
  /** A picture field's bytes (a file read, a data URL decoded), refused in the door's words. */
  picture(key: string, raw: unknown): Picture;
  /** A vectors field's array (a .npy file read); only the command line has such fields. */
  vectors?(key: string, raw: unknown): { source: string; array: NpyArray };
  /** Refuses: throws the door's one-line error. */
  refuse(message: string): never;
  /** Refuses a number in the door's wording. */
  refuseNumber(r: NumberRefusal): never;
}

/** Whether a field was given (null on the API is absent). */
export const isGiven = (door: Door, key: string): boolean => {
  const v = door.given(key);
  return v !== undefined && v !== null;
};

const tighter = (a: number | undefined, b: number | undefined, pick: (x: number, y: number) => number) =>
  a === undefined ? b : b === undefined ? a : pick(a, b);

/** A number field's bounds in this context (a job's: the model) under the door's caps. */
export function boundsOf<C>(
  key: string,
  f: { min?: BoundIn<C>; max?: BoundIn<C> },
  ctx: C,
  caps: Caps,
): { min?: number; max?: number } {
  const cap = caps[key] ?? {};
  return {
    min: tighter(boundAt(f.min, ctx), cap.min, Math.max),
    max: tighter(boundAt(f.max, ctx), cap.max, Math.min),
  };
}

/** A number field: its value, its default (capped) when absent, undefined when absent without a default. */
export function readNumber<C>(door: Door, key: string, f: NumberFieldIn<C>, ctx: C): number | undefined {
  const b = { ...boundsOf(key, f, ctx, door.caps), ...(f.above !== undefined ? { above: f.above } : {}) };
  const integer = f.type === 'int';
  if (!isGiven(door, key)) return f.default === undefined ? undefined : Math.min(f.default, b.max ?? Infinity);
  const raw = door.given(key);
  const n = door.number(raw);
  const broke = numberVerdict(n, { integer, ...(f.odd ? { odd: true } : {}), ...b });
  if (broke) door.refuseNumber({ key, integer, ...b, broke, got: broke === 'type' || broke === 'integer' ? raw : n });
  return n;
}

/** A number field that must be given. */
export function requireNumber<C>(door: Door, key: string, f: NumberFieldIn<C>, ctx: C): number {
  const n = readNumber(door, key, f, ctx);
  if (n === undefined) door.refuse(`${door.name(key)} is required`);
  return n;
}

/** A list of numbers, each within the field's bounds; undefined when absent. */
export function readNumbers<C>(door: Door, key: string, f: NumbersFieldIn<C>, ctx: C): number[] | undefined {
  if (!isGiven(door, key)) return undefined;
  const raw = door.given(key);
  const list = door.numbers(raw);
  const maxLength = door.caps[key]?.maxLength;
  const b = boundsOf(key, f, ctx, door.caps);
  const range = rangeText(b);
  const what = `${f.length ?? (maxLength ? `1 to ${maxLength}` : '1 or more')} ${f.integer ? 'integers' : 'numbers'}`;
  if (list === null || list.length === 0 || (maxLength !== undefined && list.length > maxLength))
    door.refuse(`${door.name(key)} must be ${door.listOf(`${what}${range}`)}, got ${show(raw)}`);
  if (f.length !== undefined && list.length !== f.length)
    door.refuse(`${door.name(key)} takes ${f.length} numbers, got ${list.length}`);
  const bad = list.find((n) => numberVerdict(n, { integer: f.integer ?? false, ...b }) !== null);
  if (bad !== undefined)
    door.refuse(`${door.name(key)}: ${bad} is not ${f.integer ? 'an integer' : 'a number'}${range}`);
  return list;
}

/** A choice field: one of its choices, or its default. */
export function readChoice<T extends string>(
  door: Door,
  key: string,
  f: ChoiceField & { choices: readonly T[] },
): T | undefined {
  if (!isGiven(door, key)) return f.default as T | undefined;
  const raw = door.given(key);
  const s = door.text(raw);
  if (s === null || !f.choices.includes(s as T))
    door.refuse(`${door.name(key)} must be one of ${f.choices.join('|')}, got ${show(raw)}`);
  return s as T;
}

/** A flag: on when given (true on the API), off when absent. */
export function readFlag(door: Door, key: string): boolean {
  if (!isGiven(door, key)) return false;
  const raw = door.given(key);
  if (typeof raw !== 'boolean') door.refuse(`${door.name(key)} must be true or false, got ${show(raw)}`);
  return raw;
}

/**
 * Every field of a table the door was given, read and checked by its type; fields not given are left out (their
 * defaults are the caller's to apply: a run config's come from trainDefaults or the preset's).
 */
export function readGiven<C, Fs extends Record<string, NumberFieldIn<C> | NumbersFieldIn<C> | ChoiceField | FlagField>>(
  door: Door,
  fields: Fs,
  ctx: C,
): SpecOf<Fs> {
  const given: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(fields)) {
    if (!isGiven(door, key)) continue;
    if (f.type === 'choice') given[key] = readChoice(door, key, f);
    else if (f.type === 'flag') given[key] = readFlag(door, key);
    else if (f.type === 'numbers') given[key] = readNumbers(door, key, f, ctx);
    else given[key] = readNumber(door, key, f, ctx);
  }
  return given as SpecOf<Fs>; // each key read by its own field's type: ValueOf
}

/** A field as /api/info shows it: its bounds for this model under the door's caps, its default and help. */
export function describeField(key: string, f: Field, ctx: FieldContext, caps: Caps): Record<string, unknown> {
  const bounds = f.type === 'int' || f.type === 'number' || f.type === 'numbers' ? boundsOf(key, f, ctx, caps) : {};
  return {
    type: f.type,
    ...('default' in f && f.default !== undefined ? { default: f.default } : {}),
    ...bounds,
    ...(f.type === 'int' || f.type === 'number' ? (f.above !== undefined ? { above: f.above } : {}) : {}),
    ...(f.type === 'choice' ? { choices: f.choices } : {}),
    ...(caps[key]?.maxLength !== undefined ? { maxLength: caps[key].maxLength } : {}),
    ...(f.type === 'numbers' && f.length !== undefined ? { length: f.length } : {}),
    ...(caps[key] ? { capped: true } : {}),
    help: f.help,
  };
}
