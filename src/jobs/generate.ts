// Generation: n pictures from noise, of a class or a prompt where one is given. Its fields, once, and their parsing
// for every door (the command line adds its own extras: every class in turn, a file of prompts, a comparison).
import { conditionFields, readConditioned, samplingFields } from './common-fields.js';
import { int, readNumber, type Door, type FieldContext } from './fields.js';
import { jobDefaults, type GenerateSpec } from './specs.js';

export const fields = {
  n: int(jobDefaults.generate.count, { min: 1 }, 'number of images'),
  ...conditionFields,
  ...samplingFields('generate'),
};

export function parse(door: Door, ctx: FieldContext): GenerateSpec {
  const { condition, sampling } = readConditioned(door, 'generate', ctx);
  return { kind: 'generate', count: readNumber(door, 'n', fields.n, ctx)!, condition, ...sampling };
}
