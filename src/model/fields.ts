// Fields: a setting's type, default, bounds and one-line help, stated once and read the same way wherever a value
// arrives. Here the kinds of value any setting takes (numbers, lists of numbers, choices, flags) and the verdict on
// a number; jobs/fields.ts adds a job's pictures, classes and prompts, and the doors (the command line, the API).
// The run config's fields (model/train-fields.ts) are written in this vocabulary, so a stored config is checked
// against the same bounds as the options that made it. Imports nothing: the server reads it without libtorch.

/** A bound: a number, or one that depends on the context a door reads in (a job's: the model). */
export type Bound<C> = number | ((ctx: C) => number);

export interface FieldBase {
  /** One line for --help and /api/info. */
  help: string;
  /** The CLI option's name where it is not the key in kebab case (forward's times are --t). */
  cli?: string;
  /** The default as --help shows it where it is not the value itself (a sampler's own steps). */
  defaultText?: string;
  /** Only the command line has it (a file of vectors); the API does not list it. */
  cliOnly?: true;
}
export interface NumberField<C = unknown> extends FieldBase {
  type: 'int' | 'number';
  default?: number;
  min?: Bound<C>;
  max?: Bound<C>;
  /** An exclusive lower bound: a rate or a scale that must be > 0. */
  above?: number;
  /** Odd integers only (a kernel size). */
  odd?: boolean;
}
export interface NumbersField<C = unknown> extends FieldBase {
  type: 'numbers';
  /** Each element's bounds. */
  min?: Bound<C>;
  max?: Bound<C>;
  integer?: boolean;
  /** Exactly this many elements (a box's x, y, w, h). */
  length?: number;
}
export interface ChoiceField extends FieldBase {
  type: 'choice';
  choices: readonly string[];
  default?: string;
}
/** On or off; absent is off. */
export interface FlagField extends FieldBase {
  type: 'flag';
}

type Extra<F> = Omit<F, 'type' | 'default' | 'help'>;
export const int = <C = unknown>(dflt: number | undefined, b: Extra<NumberField<C>>, help: string) =>
  ({ type: 'int', ...(dflt !== undefined ? { default: dflt } : {}), ...b, help }) satisfies NumberField<C>;
export const real = <C = unknown>(dflt: number | undefined, b: Extra<NumberField<C>>, help: string) =>
  ({ type: 'number', ...(dflt !== undefined ? { default: dflt } : {}), ...b, help }) satisfies NumberField<C>;
export const choice = <T extends string>(choices: readonly T[], dflt: T | undefined, help: string) =>
  ({ type: 'choice', choices, ...(dflt !== undefined ? { default: dflt } : {}), help }) satisfies ChoiceField;
export const numbers = <C = unknown>(b: Omit<NumbersField<C>, 'type' | 'help'>, help: string): NumbersField<C> => ({
  type: 'numbers',
  ...b,
  help,
});
export const flag = (help: string, b: Omit<FlagField, 'type' | 'help'> = {}): FlagField => ({
  type: 'flag',
  ...b,
  help,
});

/** The value a field reads as: a number, a list of numbers, one of its choices, on or off. */
export type ValueOf<F> = F extends { type: 'int' | 'number' }
  ? number
  : F extends { type: 'numbers' }
    ? number[]
    : F extends { type: 'choice'; choices: readonly (infer T)[] }
      ? T
      : F extends { type: 'flag' }
        ? boolean
        : never;
/** The values of a table of fields, each absent where it was not given. */
export type SpecOf<Fs> = { [K in keyof Fs]?: ValueOf<Fs[K]> };

/** A bound's value in a context. */
export const boundAt = <C>(b: Bound<C> | undefined, ctx: C): number | undefined =>
  typeof b === 'function' ? b(ctx) : b;

/** Checks one number against a field's bounds: the bound it breaks, or null. */
export function numberVerdict(
  n: number,
  f: { integer: boolean; odd?: boolean; min?: number; max?: number; above?: number },
): 'type' | 'integer' | 'min' | 'above' | 'max' | 'odd' | null {
  if (!Number.isFinite(n)) return 'type';
  if (f.integer && !Number.isInteger(n)) return 'integer';
  if (f.min !== undefined && n < f.min) return 'min';
  if (f.above !== undefined && !(n > f.above)) return 'above';
  if (f.max !== undefined && n > f.max) return 'max';
  if (f.odd && n % 2 === 0) return 'odd';
  return null;
}

/** ' in [a, b]', ' in (a, b]', ' >= a', ' > a', ' <= b' or '': a range in messages. */
export function rangeText(b: { min?: number; max?: number; above?: number }): string {
  const low = b.above !== undefined ? { open: '(', op: '>', at: b.above } : { open: '[', op: '>=', at: b.min };
  if (low.at !== undefined && b.max !== undefined) return ` in ${low.open}${low.at}, ${b.max}]`;
  if (low.at !== undefined) return ` ${low.op} ${low.at}`;
  return b.max !== undefined ? ` <= ${b.max}` : '';
}

/** A value in a message: text quoted, anything else as JSON. */
export const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

/** The CLI option name of a field: its own, or the key in kebab case (startStep -> start-step). */
export const cliName = (key: string, f: FieldBase): string =>
  f.cli ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A field's default as help shows it. */
export function defaultText(f: FieldBase & { default?: unknown }): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText;
  return f.default !== undefined ? String(f.default) : undefined;
}
