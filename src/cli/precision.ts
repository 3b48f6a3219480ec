// --precision, shared by every command that runs a network (train, sample, edit, forward, denoise, eval, serve).
import { precisionChoices, resolvePrecision, type Precision, type PrecisionChoice } from '../index.js';
import { UsageError, oneOf, type OptionSpec } from './command.js';

/** Without --precision: bf16 where the machine computes it natively, else fp32. */
const DEFAULT_PRECISION: PrecisionChoice = 'auto';

export const precisionOption: OptionSpec = {
  type: 'string',
  help: `${precisionChoices.join(' | ')}: bf16 runs convolutions and matrix products in bfloat16 (auto: where the CPU or GPU has native bf16)`,
  default: DEFAULT_PRECISION,
};

/** --precision as asked (not yet resolved for this machine). */
export const readPrecisionChoice = (v: Record<string, unknown>): PrecisionChoice =>
  oneOf<PrecisionChoice>(v.precision, 'precision', precisionChoices, DEFAULT_PRECISION);

/**
 * --precision resolved for this machine; a bf16 request on hardware that only emulates it prints a one-line note,
 * and one on hardware where libtorch computes it unfaithfully is a usage error.
 */
export function readPrecision(v: Record<string, unknown>): Precision {
  return resolvedPrecision(readPrecisionChoice(v));
}

/** A --precision choice resolved for this machine (readPrecision). */
export function resolvedPrecision(choice: PrecisionChoice): Precision {
  let resolved: ReturnType<typeof resolvePrecision>;
  try {
    resolved = resolvePrecision(choice);
  } catch (err) {
    throw new UsageError(`--${(err as Error).message}`);
  }
  if (resolved.note) console.error(resolved.note);
  return resolved.precision;
}
