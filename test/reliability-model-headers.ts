// The reliability corpus, model files (docs/RELIABILITY.md): bad safetensors headers, field by field (sizes, JSON,
// dtypes relabelled or unknown, shapes, offsets negative, reversed, overlapping, with gaps, past the end), each made
// from a good tiny model. reliability-models.test.ts adds the metadata, run config and weights cases and runs them.
import { readFileSync } from 'node:fs';
import {
  mutated,
  offsetsOf,
  parseSafetensors,
  safetensorsBytes,
  tensorNames,
  type Safetensors,
} from './reliability-craft.js';
import { M } from './reliability-inputs.js';

export const model = parseSafetensors(readFileSync(M));
export const names = tensorNames(model);
/** The network's weights, in file order (the file's data.mean and data.spread, the training images', sit among them). */
const weights = names.filter((n) => n !== 'data.mean' && n !== 'data.spread');
export const [first, second, last] = [weights[0]!, weights[1]!, weights.at(-1)!];
export type Config = Record<string, unknown> & { network: Record<string, unknown>; classNames: unknown[] };
export const meta = (s: Safetensors) => s.header.__metadata__!;
export const config = JSON.parse(meta(model).config as string) as Config;
/** The model with its run config edited. */
export const withConfig = (edit: (c: Config) => void) =>
  mutated(model, (m) => {
    const c = structuredClone(config);
    edit(c);
    meta(m).config = JSON.stringify(c);
  });
export const setFloat = (value: number, tensor: string) =>
  mutated(model, (m) => m.data.writeFloatLE(value, offsetsOf(m, tensor)[0] + 4));
export const entry = (m: Safetensors, name: string) => m.header[name]!;

/** Safetensors files whose header is wrong, with what the message must say. */
export const headerCases: [string, Uint8Array, RegExp][] = [
  ['empty', new Uint8Array(0), /only 0 bytes/],
  ['seven-bytes', Buffer.alloc(7), /only 7 bytes/],
  ['header-past-end', safetensorsBytes(model.header, model.data, 10n ** 9n), /header says 1000000000 bytes/],
  ['header-2^63', safetensorsBytes(model.header, model.data, 2n ** 63n), /header says 9223372036854775808 bytes/],
  ['header-empty', safetensorsBytes('', model.data), /header is not JSON/],
  ['header-array', safetensorsBytes('[1, 2]', model.data), /header is not a JSON object/],
  ['header-null', safetensorsBytes('null', model.data), /header is not a JSON object/],
  [
    'header-not-utf8',
    Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe]), model.data]),
    /header is not JSON/,
  ],
  ['header-cut-json', safetensorsBytes(JSON.stringify(model.header).slice(0, -1), model.data), /header is not JSON/],
  [
    'dtype-relabelled',
    mutated(model, (m) => {
      entry(m, first).dtype = 'I32';
    }),
    /tensor classEmbed\.weight is int32, the network's is float32/,
  ],
  [
    'dtype-f16',
    mutated(model, (m) => {
      entry(m, first).dtype = 'F16';
    }),
    /hold 704 bytes, its F16 shape \[11, 16\] needs 352/,
  ],
  [
    'dtype-unknown',
    mutated(model, (m) => {
      entry(m, first).dtype = 'F8';
    }),
    /unsupported dtype "F8"/,
  ],
  [
    'dtype-number',
    mutated(model, (m) => {
      entry(m, first).dtype = 7;
    }),
    /unsupported dtype 7/,
  ],
  [
    'shape-string',
    mutated(model, (m) => {
      entry(m, first).shape = 'abc';
    }),
    /shape must be a list of non-negative integers/,
  ],
  [
    'shape-negative',
    mutated(model, (m) => {
      entry(m, first).shape = [-11, -16];
    }),
    /shape must be a list/,
  ],
  [
    'shape-fraction',
    mutated(model, (m) => {
      entry(m, first).shape = [5.5, 32];
    }),
    /shape must be a list/,
  ],
  [
    'shape-doubled',
    mutated(model, (m) => {
      entry(m, first).shape = [22, 16];
    }),
    /needs 1408/,
  ],
  [
    'shape-swapped',
    mutated(model, (m) => {
      entry(m, first).shape = [16, 11];
    }),
    /weights do not fit its network .*classEmbed\.weight/,
  ],
  [
    'offsets-negative',
    mutated(model, (m) => {
      entry(m, first).data_offsets = [-4, 700];
    }),
    /data_offsets must be two non-negative integers/,
  ],
  [
    'offsets-reversed',
    mutated(model, (m) => {
      entry(m, first).data_offsets = [704, 0];
    }),
    /data_offsets \[704, 0\]/,
  ],
  [
    'offsets-three',
    mutated(model, (m) => {
      entry(m, first).data_offsets = [0, 352, 704];
    }),
    /data_offsets must be two/,
  ],
  [
    'offsets-string',
    mutated(model, (m) => {
      entry(m, first).data_offsets = ['0', '704'];
    }),
    /data_offsets must be two/,
  ],
  [
    'offsets-overlap',
    mutated(model, (m) => {
      entry(m, second).data_offsets = [700, 732];
    }),
    /overlaps the one before it|belong to no tensor/,
  ],
  [
    'offsets-same',
    mutated(model, (m) => {
      Object.assign(entry(m, second), { data_offsets: offsetsOf(m, first), shape: [11, 16] });
    }),
    /overlaps|belong to no tensor/,
  ],
  [
    'offsets-gap',
    mutated(model, (m) => {
      for (const n of names.slice(1)) entry(m, n).data_offsets = offsetsOf(m, n).map((o) => o + 4);
      m.data = Buffer.concat([m.data.subarray(0, 704), Buffer.alloc(4), m.data.subarray(704)]);
    }),
    new RegExp(`4 bytes before tensor ${names[1]!.replaceAll('.', '\\.')} belong to no tensor`),
  ],
  [
    'data-cut',
    mutated(model, (m) => {
      m.data = m.data.subarray(0, m.data.length - 100);
    }),
    /ends at byte \d+ but there are \d+ data bytes: truncated\?/,
  ],
  [
    'data-extra',
    mutated(model, (m) => {
      m.data = Buffer.concat([m.data, Buffer.alloc(8)]);
    }),
    /8 bytes after the last tensor/,
  ],
  [
    'entry-not-object',
    mutated(model, (m) => {
      (m.header as Record<string, unknown>)[first] = 'weights';
    }),
    /tensor classEmbed\.weight is not an object/,
  ],
  [
    'entry-extra-field',
    mutated(model, (m) => {
      entry(m, first).offset = 0;
    }),
    /unknown field 'offset'/,
  ],
];
