// `difflab edit OPERATION` (jobs/kinds.ts editKinds): the editing operations of the library on a trained model, each
// writing one PNG figure (input and result side by side, or a row across start steps for --sweep).
import { resolve } from 'node:path';
import {
  editKinds,
  encodePng,
  jobFiles,
  modelInfo,
  writeFilesAtomic,
  type EditKind,
  type JobSpec,
  type LoadedDenoiser,
} from '../../index.js';
import { UsageError, type Command, type OptionSpec } from '../command.js';
import { cliDoor, fieldOptions, optionNames } from '../door.js';
import { imageJobBytes, requireMemory } from '../limits.js';
import { figurePng, imageCommandOptions, readFigureScale, readModel, readPngOut, runCliJob } from '../image-options.js';

const OPERATIONS = editKinds;
type Operation = EditKind;
type Values = Record<string, string | boolean | string[] | undefined>;

/** The options every operation takes besides its job fields: the model, and what is written where. */
const ownOptions: Record<string, OptionSpec> = {
  model: imageCommandOptions.model!,
  precision: imageCommandOptions.precision!,
  scale: imageCommandOptions.scale!,
  out: {
    type: 'string',
    help: "output .png: sdedit's and inpaint's result at the input's own size and channels (the kept region its own pixels); the figure for --sweep, anagram and hybrid",
  },
  figure: { type: 'string', help: 'sdedit/inpaint: also write the labelled figure (input | result) to this .png' },
};

/** An operation's options parsed into its job spec by its job file (the same parse as the server's). */
function parse(op: Operation, m: LoadedDenoiser, v: Values): JobSpec {
  const fields = jobFiles[op].fields;
  const own = new Set([...Object.keys(ownOptions), ...optionNames(fields)]);
  const stray = Object.keys(v).find((k) => v[k] !== undefined && !own.has(k));
  if (stray) throw new UsageError(`--${stray} does not apply to edit ${op}`);
  const spec = jobFiles[op].parse(cliDoor(fields, v), modelInfo(m, { withSource: true }));
  if (spec.kind === 'anagram' || spec.kind === 'hybrid') {
    // Each image is evaluated under two conditions (or views) with guidance: four network inputs per image.
    const n = spec.count;
    requireMemory(
      `--n ${n}`,
      imageJobBytes({ count: 2 * n, batch: 4 * n, imageShape: m.imageShape, scale: readFigureScale(v) }),
    );
  }
  return spec;
}

export const editCommand: Command = {
  name: 'edit',
  summary: `edit a picture, or make a two-reading one, with a model: ${editKinds.join(', ')}`,
  usage: OPERATIONS.map(
    (op, i) => `${i === 0 ? '' : '       difflab edit '}${op} ${jobFiles[op].usage} --out FILE.png`,
  ).join('\n'),
  maxPositionals: 1,
  options: {
    ...ownOptions,
    ...fieldOptions(OPERATIONS.map((name) => ({ name, fields: jobFiles[name].fields }))),
  },
  run(v, positionals) {
    if (positionals.length !== 1)
      throw new UsageError(`edit needs one operation: ${OPERATIONS.join('|')} (see difflab edit --help)`);
    const op = positionals[0] as Operation;
    if (!OPERATIONS.includes(op)) throw new UsageError(`edit: unknown operation '${op}' (${OPERATIONS.join('|')})`);
    const out = readPngOut(v.out);
    const figure = v.figure === undefined ? null : readPngOut(v.figure);
    if (figure !== null && (!['sdedit', 'inpaint'].includes(op) || v.sweep !== undefined))
      throw new UsageError(`--figure applies to one sdedit or inpaint result (here --out is the figure)`);
    if (figure !== null && resolve(figure) === resolve(out))
      throw new UsageError('--figure and --out name the same file');
    const m = readModel(v);
    try {
      const spec = parse(op, m, v);
      runCliJob(m, spec, (result) => {
        const p = result.picture;
        const files: { path: string; data: Uint8Array }[] = [];
        if (p) files.push({ path: out, data: encodePng(p.image, { channels: p.channels }) });
        const fig = p ? figure : out;
        if (fig !== null) files.push({ path: fig, data: figurePng(result, { scale: readFigureScale(v) }).png });
        writeFilesAtomic(files);
        const what = p ? `the result at ${p.image.width}x${p.image.height}` : 'the figure';
        console.log(`wrote ${what} to ${out}${p && figure ? `, the figure to ${figure}` : ''}: ${result.summary}`);
      });
    } finally {
      m.network.dispose();
    }
    return 0;
  },
};
