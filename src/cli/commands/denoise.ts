// `difflab denoise`: the seeds' denoising comparison (jobs/denoise.ts): noisy input, Gaussian-blur denoising,
// one-step x0 estimate and iterative denoising from t, side by side with each one's PSNR, and optionally the
// iterative run's x_t as a strip. A door: options from the job's fields, the figure and the strip written.
import { cat, jobFiles, modelInfo, writeFilesAtomic } from '../../index.js';
import { UsageError, type Command } from '../command.js';
import { cliDoor, fieldOptions } from '../door.js';
import { count } from '../suggest.js';
import {
  figurePng,
  gridPng,
  imageCommandOptions,
  readFigureScale,
  readModel,
  readPngOut,
  runCliJob,
} from '../image-options.js';
import { checkDistinctOutputs } from '../limits.js';

const job = jobFiles.denoise;

export const denoiseCommand: Command = {
  name: 'denoise',
  summary: 'compare Gaussian blur, one-step and iterative denoising of a noised image (figure + PSNRs)',
  usage: `${job.usage} --out FILE.png`,
  options: {
    model: imageCommandOptions.model!,
    precision: imageCommandOptions.precision!,
    scale: imageCommandOptions.scale!,
    ...fieldOptions([{ name: 'denoise', fields: job.fields }]),
    out: { type: 'string', help: 'output .png: clean, noisy, blur, one-step, iterative', default: 'denoise.png' },
    strip: { type: 'string', help: "also write the iterative run's intermediate x_t as a strip to this .png" },
  },
  run(v) {
    const out = readPngOut(v.out, 'denoise.png');
    const strip = v.strip === undefined ? null : readPngOut(v.strip);
    checkDistinctOutputs({ out, strip });
    if (v['strip-every'] !== undefined && strip === null) throw new UsageError('--strip-every applies to --strip only');
    const scale = readFigureScale(v);
    const m = readModel(v);
    try {
      const spec = job.parse(cliDoor(job.fields, v), modelInfo(m, { withSource: true }));
      runCliJob(m, spec, (r) => {
        const files = [{ path: out, data: figurePng(r, { scale }).png }];
        const frames = r.series!.panels;
        if (strip)
          files.push({
            path: strip,
            data: gridPng(cat(frames.map((p) => p.images)), {
              nrow: frames.length,
              scale,
              title: r.series!.title,
              columns: frames.map((p) => p.label),
            }).png,
          });
        writeFilesAtomic(files);
        console.log(r.summary);
        console.log(
          `wrote ${out} (clean | noisy | blur | one-step | iterative)${strip ? `; ${count(frames.length, 'frame')} to ${strip}` : ''}`,
        );
      });
    } finally {
      m.network.dispose();
    }
    return 0;
  },
};
