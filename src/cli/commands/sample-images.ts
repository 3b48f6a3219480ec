// `difflab sample` for trained image models: a PNG grid, one PNG per image (--each), an animated GIF of the
// denoising (--gif) and a guidance comparison with one row per scale (--compare-guidance).
import { basename, dirname, extname, join } from 'node:path';
import { cat, figureOf, jobDefaults, jobSteps, tidy, writeGif, type GenerateSpec, type JobOutput, type RgbaImage, type Tensor } from '../../index.js';
import { UsageError, num, numList, oneOf, type OptionSpec } from '../command.js';
import { figureScaleOption, readClass, readFigureScale, readModel, readPngOut, readSampling, runCliJob, writeGrid } from '../image-options.js';

export const imageSampleOptions: Record<string, OptionSpec> = {
  nrow: { type: 'string', help: 'images per grid row', default: 'ceil(sqrt(n))' },
  each: { type: 'boolean', help: 'also write one PNG per image: OUT-0000.png, OUT-0001.png, ...' },
  gif: { type: 'string', help: 'also write an animated GIF of the denoising to this file' },
  frames: { type: 'string', help: 'GIF frames show xt | x0 | both (x_t left of the x0 estimate)', default: 'both' },
  'compare-guidance': { type: 'string', help: 'comma-separated guidance scales: one grid row per scale (needs --class)' },
  scale: figureScaleOption,
};

type Values = Record<string, string | boolean | string[] | undefined>;

export function sampleImages(v: Values): number {
  if (v.schedule !== undefined) throw new UsageError('--schedule applies to gmm models only (image models bring their own)');
  const out = readPngOut(v.out);
  const gif = v.gif === undefined ? null : String(v.gif);
  if (gif !== null && !gif.toLowerCase().endsWith('.gif')) throw new UsageError(`--gif must name a .gif file, got '${gif}'`);
  const frames = oneOf(v.frames, 'frames', ['xt', 'x0', 'both'] as const, 'both');
  const scales = v['compare-guidance'] === undefined ? null : numList(v['compare-guidance'], 'compare-guidance');
  if (scales && gif) throw new UsageError('--gif and --compare-guidance cannot be combined');
  const m = readModel(v);
  try {
    const n = num(v.n, 'n', jobDefaults.generate.count, { min: 1, integer: true });
    const sampling = readSampling(v, 'generate', m);
    const K = m.classNames.length;
    const classSpec = v.class === undefined ? undefined : String(v.class);
    if (classSpec === 'all' && K === 0) throw new UsageError('--class all: the model is unconditional');
    const classes = classSpec === undefined ? null
      : classSpec === 'all' ? Array.from({ length: n }, (_, i) => i % K)
      : new Array<number>(n).fill(readClass(classSpec, 'class', m)!);
    if ((v.guidance !== undefined || scales) && !classes) throw new UsageError('--guidance and --compare-guidance need --class');
    const nrow = num(v.nrow, 'nrow', scales ? n : Math.ceil(Math.sqrt(n)), { min: 1, integer: true });
    const spec: GenerateSpec = { kind: 'generate', count: n, classes, ...sampling };
    const scale = readFigureScale(v);
    let recorded: RgbaImage[] = [], last: JobOutput | null = null;
    const run = (guidance: number): Tensor => runCliJob(m, { ...spec, guidance }, (r) => {
      [recorded, last] = [r.frames, r];
      return r.panels[0]!.images.clone();
    }, gif ? { frames: { content: frames, scale, nrow } } : {});
    const grid = tidy(() => {
      const images = scales ? cat(scales.map(run), 0) : run(sampling.guidance);
      if (v.each === true) {
        const stem = join(dirname(out), basename(out, extname(out)));
        for (let i = 0; i < images.shape[0]!; i++) writeGrid(`${stem}-${String(i).padStart(4, '0')}.png`, images.slice(0, i, i + 1), { padding: 0, scale });
      }
      const f = figureOf({ ...last!, panels: [{ label: '', images }] }, nrow);
      return writeGrid(out, images, {
        nrow, scale, title: scales ? last!.settings.replace(/, guidance [\d.]+$/, '') : f.title,
        ...(scales ? { rows: scales.map((w) => `w ${w}`) } : { ...(f.columns ? { columns: f.columns } : {}), ...(f.rows ? { rows: f.rows } : {}) }),
      });
    });
    if (gif) writeGif(gif, recorded);
    const steps = jobSteps(m, sampling);
    const what = scales ? `${scales.length} rows (guidance ${scales.join(', ')}) of ${n}` : `${n} images`;
    console.log(`wrote ${what} to ${out} (${grid.width}x${grid.height}; ${sampling.sampler}, ${steps} steps, seed ${sampling.seed})` +
      (gif ? `; ${recorded.length} frames to ${gif}` : ''));
  } finally {
    m.network.dispose();
  }
  return 0;
}
