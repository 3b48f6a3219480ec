// --precision, shared by every command that runs a network (train, sample, edit, forward, denoise, eval, serve).
import { precisionChoices, resolvePrecision, type Precision, type PrecisionChoice } from '../index.js';
import { oneOf, type OptionSpec } from './command.js';

export const precisionOption: OptionSpec = {
  type: 'string',
  help: `${precisionChoices.join(' | ')}: bf16 runs convolutions and matrix products in bfloat16 (auto: where the CPU or GPU has native bf16)`,
  default: 'auto',
};

/** --precision resolved for this machine; a bf16 request on hardware that only emulates it prints a one-line note. */
export function readPrecision(v: Record<string, unknown>): Precision {
  const choice = oneOf<PrecisionChoice>(v.precision, 'precision', precisionChoices, 'auto');
  const { precision, note } = resolvePrecision(choice);
  if (note) console.error(note);
  return precision;
}
