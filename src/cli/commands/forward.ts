// `difflab forward`: the forward process as a strip of one image at increasing noise times.
import {
  Rng,
  forwardStrip,
  imageInput,
  isGreyImage,
  readImageFile,
  scheduleFromName,
  scheduleNames,
  tidy,
  type Schedule,
} from '../../index.js';
import { UsageError, num, numList, oneOf, str, type Command } from '../command.js';
import {
  figureScaleOption,
  readFigureScale,
  readModel,
  readPicture,
  readPngOut,
  runCliJob,
  writeFigure,
  writeGrid,
} from '../image-options.js';
import { precisionOption } from '../precision.js';
import { MAX_IMAGE_SIZE, MAX_SEED, imageJobBytes, requireMemory } from '../limits.js';

export const forwardCommand: Command = {
  name: 'forward',
  summary: 'show the forward (noising) process of an image as a strip at several times',
  usage: '--image IMG (--model FILE | --schedule NAME [--size S]) [--t 0,250,500,750,999] [--seed S] --out strip.png',
  options: {
    image: { type: 'string', help: 'PNG or JPEG, grey or RGB, any size' },
    model: { type: 'string', help: 'take the schedule and image size from this model file' },
    schedule: { type: 'string', help: `${scheduleNames.join('|')} (without --model)`, default: 'linear' },
    size: { type: 'string', help: 'image size without --model', default: '64' },
    t: { type: 'string', help: 'comma-separated times', default: '0,250,500,750,999' },
    seed: { type: 'string', help: 'noise seed', default: '0' },
    precision: precisionOption,
    scale: figureScaleOption,
    out: { type: 'string', help: 'output .png' },
  },
  run(v) {
    const out = readPngOut(v.out);
    const seed = num(v.seed, 'seed', 0, { min: 0, max: MAX_SEED, integer: true });
    const times = numList(v.t, 't', [0, 250, 500, 750, 999]);
    const fits = (imageShape: [number, number, number]) =>
      requireMemory(
        `--t with ${times.length} times`,
        imageJobBytes({ count: times.length, batch: times.length, imageShape, scale: readFigureScale(v) }),
      );
    const check = (schedule: Schedule) => {
      const bad = times.find((t) => !(t >= 0 && t <= schedule.tMax));
      if (bad !== undefined)
        throw new UsageError(`--t ${bad} is outside [0, ${schedule.tMax}] of the ${schedule.name} schedule`);
    };
    if (v.model !== undefined) {
      if (v.schedule !== undefined || v.size !== undefined)
        throw new UsageError('--model brings its schedule and size: give --model or --schedule/--size');
      const m = readModel(v);
      try {
        check(m.denoiser.schedule);
        fits(m.imageShape);
        runCliJob(m, { kind: 'forward', image: readPicture(v.image, 'image'), times, seed }, (r) => {
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
    check(schedule);
    const size = num(v.size, 'size', 64, { min: 4, max: MAX_IMAGE_SIZE, integer: true });
    fits([3, size, size]);
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
