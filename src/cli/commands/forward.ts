// `difflab forward`: the forward process as a strip of one image at increasing noise times.
import {
  Rng,
  defaultForwardTimes,
  forwardStrip,
  imageInput,
  isGreyImage,
  jobFiles,
  modelInfo,
  readImageFile,
  readNumber,
  readNumbers,
  scheduleFromName,
  scheduleNames,
  tidy,
  type FieldContext,
  type NumberField,
  type NumbersField,
} from '../../index.js';
import { UsageError, num, oneOf, str, type Command } from '../command.js';
import { cliDoor, fieldOptions } from '../door.js';
import {
  figureScaleOption,
  readFigureScale,
  readModel,
  readPngOut,
  runCliJob,
  writeFigure,
  writeGrid,
} from '../image-options.js';
import { precisionOption } from '../precision.js';
import { MAX_IMAGE_SIZE, imageJobBytes, requireMemory } from '../limits.js';

const fields = jobFiles.forward.fields;

export const forwardCommand: Command = {
  name: 'forward',
  summary: 'show the forward (noising) process of an image as a strip at several times',
  usage: '--image IMG (--model FILE | --schedule NAME [--size S]) [--t T1,T2,...] [--seed S] --out strip.png',
  options: {
    ...fieldOptions([{ name: 'forward', fields }]),
    model: { type: 'string', help: 'take the schedule and image size from this model file' },
    schedule: { type: 'string', help: `${scheduleNames.join('|')} (without --model)`, default: 'linear' },
    size: { type: 'string', help: 'image size without --model', default: '64' },
    precision: precisionOption,
    scale: figureScaleOption,
    out: { type: 'string', help: 'output .png' },
  },
  run(v) {
    const out = readPngOut(v.out);
    const fits = (imageShape: [number, number, number], times: number[]) =>
      requireMemory(
        `--t with ${times.length} times`,
        imageJobBytes({ count: times.length, batch: times.length, imageShape, scale: readFigureScale(v) }),
      );
    if (v.model !== undefined) {
      if (v.schedule !== undefined || v.size !== undefined)
        throw new UsageError('--model brings its schedule and size: give --model or --schedule/--size');
      const m = readModel(v);
      try {
        // The job file's parse, as the server's: times on the model's schedule, its default when absent.
        const spec = jobFiles.forward.parse(cliDoor(fields, v), modelInfo(m, { withSource: true }));
        fits(m.imageShape, spec.times);
        runCliJob(m, spec, (r) => {
          writeFigure(out, r, { scale: readFigureScale(v) });
          console.log(`wrote ${out}: ${r.summary}`);
        });
      } finally {
        m.network.dispose();
      }
      return 0;
    }
    if (v.precision !== undefined)
      throw new UsageError('--precision applies with --model only (the forward process runs no network)');
    const schedule = scheduleFromName(oneOf(v.schedule, 'schedule', scheduleNames, 'linear'));
    // The same fields on a schedule without a model: only the image is the command's own (a file of any size).
    const door = cliDoor(fields, v);
    const ctx = {
      schedule: { name: schedule.name, tMin: schedule.tMin, tMax: schedule.tMax, numTimesteps: schedule.numTimesteps },
    };
    const times = (
      readNumbers(door, 'times', fields.times as NumbersField, ctx as FieldContext) ?? defaultForwardTimes(ctx.schedule)
    ).map((t) => (schedule.numTimesteps !== null ? Math.round(t) : t));
    const seed = readNumber(door, 'seed', fields.seed as NumberField, ctx as FieldContext)!;
    const size = num(v.size, 'size', 64, { min: 4, max: MAX_IMAGE_SIZE, integer: true });
    fits([3, size, size], times);
    const picture = readImageFile(str(v.image, 'image'));
    const image = imageInput(picture, { size, channels: isGreyImage(picture) ? 1 : 3 }).image; // grey stays grey
    tidy(() =>
      writeGrid(out, forwardStrip(schedule, image, { times, rng: new Rng(seed) }), {
        nrow: times.length,
        scale: readFigureScale(v),
        columns: times.map((t) => `t = ${t}`),
        title: `${schedule.name} schedule, seed ${seed}`,
      }),
    );
    image.dispose();
    console.log(`wrote the forward process at t = ${times.join(', ')} (${schedule.name}) to ${out}`);
    return 0;
  },
};
