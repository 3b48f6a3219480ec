// Job fields: what a kind of job reads, stated once (type, default, bounds, the one-line help), and read the same
// way by every door. A door (doors.ts for the CLI, server/protocol.ts for the API) says only how a value arrives
// (a command-line string, a JSON value), how a field is named in a message (--resample, 'resample') and which
// named caps it lays over the bounds (the public server's resource limits). Everything else, the bounds and the
// checks between fields, is the job file's `parse`, shared by all doors: one value, one verdict.
import type { NpyArray } from '../io/npy.js';
import type { Picture } from './specs.js';
import type { ModelInfo } from './worker-protocol.js';

/** What a field's bounds may depend on: the model (its schedule's T, its classes). */
export type FieldContext = ModelInfo;
/** A bound: a number, or one that depends on the model. */
export type Bound = number | ((ctx: FieldContext) => number);

interface FieldBase {
  /** One line for --help and /api/info. */
  help: string;
  /** The CLI option's name where it is not the key in kebab case (forward's times are --t). */
  cli?: string;
  /** The default as --help shows it where it is not the value itself (a sampler's own steps). */
  defaultText?: string;
  /** Only the command line has it (a file of vectors); the API does not list it. */
  cliOnly?: true;
}
export interface NumberField extends FieldBase {
  type: 'int' | 'number';
  default?: number;
  min?: Bound;
  max?: Bound;
  /** Odd integers only (a kernel size). */
  odd?: boolean;
}
export interface NumbersField extends FieldBase {
  type: 'numbers';
  /** Each element's bounds. */
  min?: Bound;
  max?: Bound;
  integer?: boolean;
  /** Exactly this many elements (a box's x, y, w, h). */
  length?: number;
}
export interface ChoiceField extends FieldBase {
  type: 'choice';
  choices: readonly string[];
  default?: string;
}
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
export type Field = NumberField | NumbersField | ChoiceField | TextField | ClassField | PictureField | VectorsField;
export type Fields = Record<string, Field>;

export const int = (dflt: number | undefined, b: Omit<NumberField, 'type' | 'default' | 'help'>, help: string) =>
  ({ type: 'int', ...(dflt !== undefined ? { default: dflt } : {}), ...b, help }) satisfies NumberField;
export const real = (dflt: number | undefined, b: Omit<NumberField, 'type' | 'default' | 'help'>, help: string) =>
  ({ type: 'number', ...(dflt !== undefined ? { default: dflt } : {}), ...b, help }) satisfies NumberField;
export const choice = <T extends string>(choices: readonly T[], dflt: T | undefined, help: string) =>
  ({ type: 'choice', choices, ...(dflt !== undefined ? { default: dflt } : {}), help }) satisfies ChoiceField;
export const text = (help: string): TextField => ({ type: 'text', help });
export const classOf = (help: string): ClassField => ({ type: 'class', help });
export const picture = (help: string): PictureField => ({ type: 'picture', help });
export const vectors = (help: string): VectorsField => ({ type: 'vectors', cliOnly: true, help });
export const numbers = (b: Omit<NumbersField, 'type' | 'help'>, help: string): NumbersField => ({
  type: 'numbers',
  ...b,
  help,
});

/** A server's narrower bounds over named fields (every kind that has the field), declared once and shown. */
export type Caps = Record<string, { min?: number; max?: number; maxLength?: number }>;

/** How a refused number is described to a door's wording: the bounds it was checked against and what it got. */
export interface NumberRefusal {
  key: string;
  integer: boolean;
  min?: number;
  max?: number;
  /** 'type': not a number at all; the others name the bound it broke. */
  broke: 'type' | 'integer' | 'min' | 'max' | 'odd';
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

const boundOf = (b: Bound | undefined, ctx: FieldContext) => (typeof b === 'function' ? b(ctx) : b);
const tighter = (a: number | undefined, b: number | undefined, pick: (x: number, y: number) => number) =>
  a === undefined ? b : b === undefined ? a : pick(a, b);

/** A number field's bounds for this model under the door's caps. */
export function boundsOf(
  key: string,
  f: { min?: Bound; max?: Bound },
  ctx: FieldContext,
  caps: Caps,
): { min?: number; max?: number } {
  const cap = caps[key] ?? {};
  return {
    min: tighter(boundOf(f.min, ctx), cap.min, Math.max),
    max: tighter(boundOf(f.max, ctx), cap.max, Math.min),
  };
}

/** Checks one number against a field's bounds: the bound it breaks, or null. */
export function numberVerdict(
  n: number,
  f: { integer: boolean; odd?: boolean; min?: number; max?: number },
): NumberRefusal['broke'] | null {
  if (!Number.isFinite(n)) return 'type';
  if (f.integer && !Number.isInteger(n)) return 'integer';
  if (f.min !== undefined && n < f.min) return 'min';
  if (f.max !== undefined && n > f.max) return 'max';
  if (f.odd && n % 2 === 0) return 'odd';
  return null;
}

/** ' in [a, b]', ' >= a', ' <= b' or '': a range in messages. */
export function rangeText(b: { min?: number; max?: number }): string {
  if (b.min !== undefined && b.max !== undefined) return ` in [${b.min}, ${b.max}]`;
  if (b.min !== undefined) return ` >= ${b.min}`;
  return b.max !== undefined ? ` <= ${b.max}` : '';
}

/** A number field: its value, its default (capped) when absent, undefined when absent without a default. */
export function readNumber(door: Door, key: string, f: NumberField, ctx: FieldContext): number | undefined {
  const b = boundsOf(key, f, ctx, door.caps);
  const integer = f.type === 'int';
  if (!isGiven(door, key)) return f.default === undefined ? undefined : Math.min(f.default, b.max ?? Infinity);
  const raw = door.given(key);
  const n = door.number(raw);
  const broke = numberVerdict(n, { integer, ...(f.odd ? { odd: true } : {}), ...b });
  if (broke) door.refuseNumber({ key, integer, ...b, broke, got: broke === 'type' || broke === 'integer' ? raw : n });
  return n;
}

/** A number field that must be given. */
export function requireNumber(door: Door, key: string, f: NumberField, ctx: FieldContext): number {
  const n = readNumber(door, key, f, ctx);
  if (n === undefined) door.refuse(`${door.name(key)} is required`);
  return n;
}

/** A list of numbers, each within the field's bounds; undefined when absent. */
export function readNumbers(door: Door, key: string, f: NumbersField, ctx: FieldContext): number[] | undefined {
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

/** A value in a message: text quoted, anything else as JSON. */
export const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

/** The CLI option name of a field: its own, or the key in kebab case (startStep -> start-step). */
export const cliName = (key: string, f: Field): string => f.cli ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A field's default as help shows it. */
export function defaultText(f: Field): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText;
  return 'default' in f && f.default !== undefined ? String(f.default) : undefined;
}

/** A field as /api/info shows it: its bounds for this model under the door's caps, its default and help. */
export function describeField(key: string, f: Field, ctx: FieldContext, caps: Caps): Record<string, unknown> {
  const bounds = f.type === 'int' || f.type === 'number' || f.type === 'numbers' ? boundsOf(key, f, ctx, caps) : {};
  return {
    type: f.type,
    ...('default' in f && f.default !== undefined ? { default: f.default } : {}),
    ...bounds,
    ...(f.type === 'choice' ? { choices: f.choices } : {}),
    ...(caps[key]?.maxLength !== undefined ? { maxLength: caps[key].maxLength } : {}),
    ...(f.type === 'numbers' && f.length !== undefined ? { length: f.length } : {}),
    ...(caps[key] ? { capped: true } : {}),
    help: f.help,
  };
}
