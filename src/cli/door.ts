// The command line as a door onto the job files (jobs/fields.ts): values arrive as option strings, fields are named
// --kebab-case, refusals are UsageErrors (exit 2), and pictures and vectors are files.
import {
  cliName,
  defaultText,
  readNpy,
  readPictureFile,
  type Door,
  type Field,
  type Fields,
  type NumberRefusal,
} from '../index.js';
import { UsageError, decimal, type OptionSpec } from './command.js';

type Values = Record<string, string | boolean | string[] | undefined>;

/** A refused number as the command line words it (the same bound as every door; the wording is the CLI's). */
function refuseNumber(name: string, r: NumberRefusal): never {
  switch (r.broke) {
    case 'type':
      throw new UsageError(`${name} must be a number, got '${String(r.got)}'`);
    case 'integer':
      throw new UsageError(`${name} must be an integer, got '${String(r.got)}'`);
    case 'min':
      throw new UsageError(`${name} must be >= ${r.min}, got ${String(r.got)}`);
    case 'above':
      throw new UsageError(`${name} must be > ${r.above}, got ${String(r.got)}`);
    case 'max':
      throw new UsageError(`${name} must be <= ${r.max}, got ${String(r.got)}`);
    case 'odd':
      throw new UsageError(`${name} must be odd, got ${String(r.got)}`);
  }
}

/** A door over parsed options, for the fields of one job kind. */
export function cliDoor(fields: Fields, v: Values): Door {
  const option = (key: string) => (fields[key] ? cliName(key, fields[key]) : key);
  const name = (key: string) => `--${option(key)}`;
  const nonEmpty = (key: string, raw: unknown) => {
    if (String(raw).trim() === '') throw new UsageError(`${name(key)} must not be empty`);
    return String(raw);
  };
  // An empty value never means the default; a prompt's emptiness is the prompt check's to word.
  const wordless = new Set(['choice', 'class', 'picture', 'vectors']);
  return {
    given(key) {
      const raw = v[option(key)];
      if (typeof raw === 'string' && fields[key] && wordless.has(fields[key].type)) nonEmpty(key, raw);
      return raw;
    },
    offers: (key) => key in fields,
    name,
    caps: {},
    number: (raw) => decimal(String(raw)),
    numbers(raw) {
      const list = String(raw).split(',').map(decimal);
      return list.some((n) => !Number.isFinite(n)) ? null : list;
    },
    text: (raw) => (typeof raw === 'string' ? raw : null),
    listOf: (what) => `a comma-separated list of ${what}`,
    picture(key, raw) {
      if (raw === undefined) throw new UsageError(`missing required option ${name(key)}`);
      const path = nonEmpty(key, raw);
      return { source: path, bytes: readPictureFile(path) };
    },
    vectors(key, raw) {
      const path = nonEmpty(key, raw);
      return { source: path, array: readNpy(path) };
    },
    refuse(message) {
      throw new UsageError(message);
    },
    refuseNumber: (r) => refuseNumber(name(r.key), r),
  };
}

/**
 * The options of one or more job kinds, made from their fields: each field once, its help prefixed with the kinds
 * that have it where not all do, and its default as the kinds state it ("1 (sdedit, inpaint), 3 (anagram, hybrid)").
 */
export function fieldOptions(kinds: readonly { name: string; fields: Fields }[]): Record<string, OptionSpec> {
  const byOption = new Map<string, { field: Field; kinds: string[]; defaults: Map<string, string[]> }>();
  for (const k of kinds)
    for (const [key, f] of Object.entries(k.fields)) {
      const opt = cliName(key, f);
      const e = byOption.get(opt) ?? { field: f, kinds: [], defaults: new Map<string, string[]>() };
      e.kinds.push(k.name);
      const d = defaultText(f);
      if (d !== undefined) e.defaults.set(d, [...(e.defaults.get(d) ?? []), k.name]);
      byOption.set(opt, e);
    }
  const options: Record<string, OptionSpec> = {};
  for (const [opt, e] of byOption) {
    const some = kinds.length > 1 && e.kinds.length < kinds.length ? `${e.kinds.join('/')}: ` : '';
    const defaults = [...e.defaults];
    const d =
      defaults.length === 0
        ? undefined
        : defaults.length === 1
          ? defaults[0]![0]
          : defaults.map(([v, ks]) => `${v} (${ks.join(', ')})`).join(', ');
    options[opt] = {
      type: e.field.type === 'flag' ? 'boolean' : 'string',
      help: `${some}${e.field.help}`,
      ...(d !== undefined ? { default: d } : {}),
    };
  }
  return options;
}

/** The option names a kind reads (its fields'). */
export const optionNames = (fields: Fields): string[] => Object.entries(fields).map(([k, f]) => cliName(k, f));
