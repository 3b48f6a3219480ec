// The shape of a CLI command, and option parsing into typed values with one-line errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from './suggest.js';

/**
 * A bad command line (unknown option, value out of range, combination refused): exit 2 with its one line. Every
 * other error is a runtime failure (a file that cannot be read or used, a model that does not fit): exit 1, its
 * first line only (DIFFLAB_DEBUG=1 adds the stack).
 */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One line for --help. */
  help: string;
  short?: string;
  multiple?: boolean;
  /** Shown in --help; the command applies it. */
  default?: string;
}

export interface Command {
  name: string;
  /** One line for `difflab --help`. */
  summary: string;
  /** Usage line(s) after `difflab NAME`. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments it takes (at most this many; more are refused). Default 0. */
  maxPositionals?: number;
  /** Runs with parsed options and positionals; resolves to the exit code. */
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number> | number;
}

export function helpText(c: Command): string {
  const lines = [`difflab ${c.name}: ${c.summary}`, '', `usage: difflab ${c.name} ${c.usage}`, '', 'options:'];
  const entries = Object.entries({ ...c.options, help: { type: 'boolean', help: 'show this help' } as OptionSpec });
  for (const [name, o] of entries) {
    const short = shortOf(name, o);
    const flag = `${short ? `-${short}, ` : ''}--${name}${o.type === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${flag.padEnd(28)} ${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ''}`);
  }
  return lines.join('\n');
}

/** Short flags of the options most commands share (-o FILE, -n COUNT, -m MODEL), wherever a command has them. */
const commonShorts: Readonly<Record<string, string>> = { out: 'o', n: 'n', model: 'm' };
const shortOf = (name: string, o: OptionSpec) => o.short ?? commonShorts[name];

/** Parses argv for a command; unknown options and missing values become UsageErrors. */
export function parseCommand(
  c: Command,
  argv: string[],
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[]; help: boolean } {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(c.options)) {
    const short = shortOf(name, o);
    options[name] = { type: o.type, ...(short ? { short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    const ambiguous = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(msg)?.[1];
    if (ambiguous) throw new UsageError(`${ambiguous} got a value starting with '-': write it as ${ambiguous}=VALUE`);
    const unknown = /Unknown option '--([^']+)'/.exec(msg)?.[1];
    const hint = unknown ? didYouMean(unknown, Object.keys(c.options), '--') : '';
    throw new UsageError(`${c.name}: ${msg}${hint} (see difflab ${c.name} --help)`);
  }
  const { values, positionals } = parsed;
  const extra = positionals.slice(c.maxPositionals ?? 0);
  if (extra.length > 0 && values.help !== true)
    throw new UsageError(`${c.name}: unexpected argument '${extra[0]}' (see difflab ${c.name} --help)`);
  return {
    values: values as Record<string, string | boolean | string[] | undefined>,
    positionals,
    help: values.help === true,
  };
}

// ----- typed readers for option values ---------------------------------------------------------------
/** A decimal number as written on a command line ('12', '-0.5', '1e9'); anything else (empty, '0x10', '12px') is NaN. */
export const decimal = (s: string): number =>
  /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s.trim()) ? Number(s) : NaN;

/** A string option; an empty value is refused (it never means the default). */
export function str(v: unknown, name: string, fallback?: string): string {
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option --${name}`);
    return fallback;
  }
  if (String(v).trim() === '') throw new UsageError(`--${name} must not be empty`);
  return String(v);
}
/** A number option; check: inclusive min/max, exclusive `above`, integer. An empty value is not 0. */
export function num(
  v: unknown,
  name: string,
  fallback?: number,
  check?: { min?: number; above?: number; max?: number; integer?: boolean },
): number {
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option --${name}`);
    return fallback;
  }
  const n = decimal(String(v));
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${String(v)}'`);
  if (check?.integer && !Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got '${String(v)}'`);
  if (check?.min !== undefined && n < check.min) throw new UsageError(`--${name} must be >= ${check.min}, got ${n}`);
  if (check?.above !== undefined && !(n > check.above))
    throw new UsageError(`--${name} must be > ${check.above}, got ${n}`);
  if (check?.max !== undefined && n > check.max) throw new UsageError(`--${name} must be <= ${check.max}, got ${n}`);
  return n;
}
export function oneOf<T extends string>(v: unknown, name: string, choices: readonly T[], fallback?: T): T {
  const s = str(v, name, fallback);
  if (!(choices as readonly string[]).includes(s)) {
    throw new UsageError(`--${name} must be one of ${choices.join('|')}, got '${s}'`);
  }
  return s as T;
}
/** A comma-separated list of numbers, e.g. "0,250,500". */
export function numList(v: unknown, name: string, fallback?: number[]): number[] {
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option --${name}`);
    return fallback;
  }
  const parts = String(v).split(',').map(decimal);
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n))) {
    throw new UsageError(`--${name} must be a comma-separated list of numbers, got '${String(v)}'`);
  }
  return parts;
}
