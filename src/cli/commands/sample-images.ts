// `difflab sample` for trained image models: a PNG grid, one PNG per image (--each), an animated GIF of the
// denoising (--gif) and a guidance comparison with one row per scale (--compare-guidance).
import { basename, dirname, extname, join } from 'node:path';
import { cat, frameRecorder, generate, tidy, writeGif, type Tensor } from '../../index.js';
import { UsageError, num, numList, oneOf, type OptionSpec } from '../command.js';
import { readClass, readModel, readPngOut, readSampler, writeGrid } from '../image-options.js';

export const imageSampleOptions: Record<string, OptionSpec> = {
  nrow: { type: 'string', help: 'images per grid row', default: 'ceil(sqrt(n))' },
  each: { type: 'boolean', help: 'also write one PNG per image: OUT-0000.png, OUT-0001.png, ...' },
  gif: { type: 'string', help: 'also write an animated GIF of the denoising to this file' },
  frames: { type: 'string', help: 'GIF frames show xt | x0 | both (x_t left of the x0 estimate)', default: 'both' },
  'compare-guidance': { type: 'string', help: 'comma-separated guidance scales: one grid row per scale (needs --class)' },
};

type Values = Record<string, string | boolean | string[] | undefined>;

export function sampleImages(v: Values): number {
  if (v.schedule !== undefined) throw new UsageError('--schedule applies to gmm models only (image models bring their own)');
  const out = readPngOut(v.out);
  const gif = v.gif === undefined ? null : String(v.gif);
  if (gif !== null && !gif.toLowerCase().endsWith('.gif')) throw new UsageError(`--gif must name a .gif file, got '${gif}'`);
  const frames = oneOf(v.frames, 'frames', ['xt', 'x0', 'both'] as const, 'both');
  const n = num(v.n, 'n', 16, { min: 1, integer: true });
  const seed = num(v.seed, 'seed', 0, { min: 0, integer: true });
  const scales = v['compare-guidance'] === undefined ? null : numList(v['compare-guidance'], 'compare-guidance');
  if (scales && gif) throw new UsageError('--gif and --compare-guidance cannot be combined');
  const m = readModel(v);
  const { sampler, name, numSteps } = readSampler(v, m.denoiser, 'ddim');
  const K = m.classNames.length;
  const classSpec = v.class === undefined ? undefined : String(v.class);
  const classes = classSpec === undefined ? null
    : classSpec === 'all' ? Array.from({ length: n }, (_, i) => i % Math.max(K, 1))
    : new Array<number>(n).fill(readClass(classSpec, 'class', m)!);
  if (classSpec === 'all' && K === 0) throw new UsageError('--class all: the model is unconditional');
  const guidance = v.guidance === undefined ? 1 : num(v.guidance, 'guidance', 1);
  if ((v.guidance !== undefined || scales) && !classes) throw new UsageError('--guidance and --compare-guidance need --class');
  const nrow = num(v.nrow, 'nrow', scales ? n : Math.ceil(Math.sqrt(n)), { min: 1, integer: true });

  const recorder = gif ? frameRecorder({ numSteps, content: frames, grid: { nrow, scale: 2 } }) : null;
  const run = (scale: number): Tensor => generate(m.denoiser, {
    sampler, imageShape: m.imageShape, count: n, seed, numSteps, classes,
    ...(gif ? { batchSize: n, onStep: recorder!.onStep } : {}),
    ...(classes && scale !== 1 ? { guidance: { scale, nullClass: m.nullClass } } : {}),
  });
  tidy(() => {
    const images = scales ? cat(scales.map(run), 0) : run(guidance);
    const grid = writeGrid(out, images, { nrow });
    if (v.each === true) {
      const stem = join(dirname(out), basename(out, extname(out)));
      for (let i = 0; i < images.shape[0]!; i++) writeGrid(`${stem}-${String(i).padStart(4, '0')}.png`, images.slice(0, i, i + 1), { padding: 0 });
    }
    if (gif) writeGif(gif, recorder!.frames);
    const what = scales ? `${scales.length} rows (guidance ${scales.join(', ')}) of ${n}` : `${n} images`;
    console.log(`wrote ${what} to ${out} (${grid.width}x${grid.height}; ${name}, ${numSteps} steps, seed ${seed})` +
      (gif ? `; ${recorder!.frames.length} frames to ${gif}` : ''));
  });
  m.network.dispose();
  return 0;
}
