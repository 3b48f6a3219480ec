// `difflab edit OPERATION` (jobs/kinds.ts editKinds): the editing operations of the library on a trained model, each
// handing back its pictures as the user uses them (an edit at the input's own size, an anagram's or a hybrid's at
// the model's, one file each) and, with --figure, the labelled figure (a --sweep writes only its figure).
import { basename, dirname, extname, join, resolve } from 'node:path';
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
import { count } from '../suggest.js';
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
    help:
      "output .png: sdedit's and inpaint's result at the input's own size and channels (the kept region its own pixels); " +
      "anagram's and hybrid's pictures at the model's size, one file each (OUT.png, an anagram's view OUT-VIEW.png; " +
      'with --n over 1 OUT-0000.png, OUT-0000-VIEW.png, ...); the figure for --sweep',
  },
  figure: {
    type: 'string',
    help: "also write the labelled figure (input | result; an anagram's or a hybrid's two readings) to this .png",
  },
};

/** Where each of a job's pictures goes: --out itself for an unnamed one, else OUT-NAME.png beside it. */
const picturePath = (out: string, name: string) =>
  name === '' ? out : `${join(dirname(out), basename(out, extname(out)))}-${name}.png`;

/** Several paths in brief: a, a and b, or the first ... the last. */
const pathsText = (paths: string[]) => (paths.length <= 2 ? paths.join(' and ') : `${paths[0]} ... ${paths.at(-1)}`);

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
    if (figure !== null && v.sweep !== undefined)
      throw new UsageError(`--figure does not apply to a --sweep (its --out is the figure)`);
    if (figure !== null && resolve(figure) === resolve(out))
      throw new UsageError('--figure and --out name the same file');
    const m = readModel(v);
    try {
      const spec = parse(op, m, v);
      runCliJob(m, spec, (result) => {
        const pictures = result.pictures ?? [];
        const files: { path: string; data: Uint8Array }[] = pictures.map((p) => ({
          path: picturePath(out, p.name),
          data: encodePng(p.image, { channels: p.channels }),
        }));
        const paths = files.map((f) => f.path);
        const fig = pictures.length > 0 ? figure : out;
        if (fig !== null) files.push({ path: fig, data: figurePng(result, { scale: readFigureScale(v) }).png });
        writeFilesAtomic(files);
        const size = pictures[0] && `${pictures[0].image.width}x${pictures[0].image.height}`;
        const what =
          pictures.length === 0
            ? `the figure to ${out}`
            : `${pictures.length === 1 ? 'the result' : count(pictures.length, 'picture')} at ${size} to ${pathsText(paths)}`;
        console.log(
          `wrote ${what}${pictures.length > 0 && figure ? `, the figure to ${figure}` : ''}: ${result.summary}`,
        );
      });
    } finally {
      m.network.dispose();
    }
    return 0;
  },
};
