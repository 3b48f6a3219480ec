// `difflab sample` for trained image models: a PNG grid, one PNG per image (--each), an animated GIF of the
// denoising (--gif) and a guidance comparison with one row per scale (--compare-guidance), a block of them per
// prompt with --prompts.
import { count } from '../suggest.js';
import { basename, dirname, extname, join } from 'node:path';
import {
  cat,
  defaultGenerateBatch,
  jobFiles,
  modelInfo,
  samplingRun,
  type ConditionSpec,
  encodeGif,
  figureOf,
  jobSteps,
  tidy,
  writeFilesAtomic,
  type GenerateSpec,
  type JobOutput,
  type RgbaImage,
  type Tensor,
} from '../../index.js';
import { UsageError, num, numList, oneOf, str, type OptionSpec } from '../command.js';
import {
  conditioned,
  figureScaleOption,
  gridPng,
  readFigureScale,
  readModel,
  readPngOut,
  runCliJob,
} from '../image-options.js';
import { cliDoor } from '../door.js';
import { MAX_GUIDANCE, checkOutputPath, imageJobBytes, requireMemory } from '../limits.js';
import { readPromptsFile } from '../prompts-file.js';

/** Frames a --gif shows, evenly spread over the sampler's steps. */
const GIF_FRAMES = 40;

export const imageSampleOptions: Record<string, OptionSpec> = {
  nrow: { type: 'string', help: 'images per grid row', default: 'ceil(sqrt(n))' },
  each: { type: 'boolean', help: 'also write one PNG per image: OUT-0000.png, OUT-0001.png, ...' },
  gif: { type: 'string', help: 'also write an animated GIF of the denoising to this file' },
  frames: { type: 'string', help: 'GIF frames show xt | x0 | both (x_t left of the x0 estimate)', default: 'both' },
  'compare-guidance': {
    type: 'string',
    help: 'comma-separated guidance scales: one grid row per scale, for each prompt of --prompts (needs a condition)',
  },
  prompts: {
    type: 'string',
    help: 'a text file of prompts, one per line: --n images of each, a grid row per prompt (models that read text)',
  },
  scale: figureScaleOption,
};

type Values = Record<string, string | boolean | string[] | undefined>;

/** A guidance comparison's title: the condition when every image shares it, and the settings but the scale. */
function guidanceTitle(out: JobOutput, settings: string): string {
  const labels = new Set(out.imageLabels ?? []);
  return labels.size === 1 ? `${[...labels][0]}: ${settings}` : settings;
}

/**
 * A guidance comparison's images in grid order: the runs at each scale, k blocks each (one per prompt), regrouped
 * into a block per prompt holding a row per scale.
 */
function blocksByPrompt(perScale: Tensor[], k: number): Tensor {
  const per = perScale[0]!.shape[0]! / k;
  return cat(Array.from({ length: k }, (_, j) => perScale.map((t) => t.slice(0, j * per, (j + 1) * per))).flat(), 0);
}

export function sampleImages(v: Values): number {
  if (v.schedule !== undefined)
    throw new UsageError('--schedule applies to gmm models only (image models bring their own)');
  const out = readPngOut(v.out);
  const gif = v.gif === undefined ? null : String(v.gif);
  if (gif !== null && !gif.toLowerCase().endsWith('.gif'))
    throw new UsageError(`--gif must name a .gif file, got '${gif}'`);
  if (gif !== null) checkOutputPath('gif', gif);
  if (v.frames !== undefined && gif === null) throw new UsageError('--frames applies to --gif only');
  const gmmOnly = ['spacing'].find((k) => v[k] !== undefined);
  if (gmmOnly)
    throw new UsageError(`--${gmmOnly} applies to gmm models only (image models run each sampler's own grid)`);
  const frames = oneOf(v.frames, 'frames', ['xt', 'x0', 'both'] as const, 'both');
  const scales = v['compare-guidance'] === undefined ? null : numList(v['compare-guidance'], 'compare-guidance');
  if (scales && gif) throw new UsageError('--gif and --compare-guidance cannot be combined');
  if (scales?.some((w) => w < 0 || w > MAX_GUIDANCE))
    throw new UsageError(
      `--compare-guidance: scales must be in [0, ${MAX_GUIDANCE}], got ${String(v['compare-guidance'])}`,
    );
  if (v.prompts !== undefined && v.prompt !== undefined) throw new UsageError('give --prompt or --prompts, not both');
  const m = readModel(v);
  try {
    const prompts = v.prompts === undefined ? undefined : readPromptsFile(str(v.prompts, 'prompts'), m);
    const K = m.classNames.length;
    if (v.class === 'all' && K === 0) throw new UsageError('--class all: the model is unconditional');
    // The generate job's parse, as the server's; the command's own extras stand in for their field while it reads
    // (every class in turn: class 0; a file of prompts: its first, already checked) and replace it after.
    const values: Values = {
      ...v,
      ...(v.class === 'all' ? { class: '0' } : {}),
      ...(prompts ? { prompt: prompts[0]! } : {}),
    };
    const base = jobFiles.generate.parse(cliDoor(jobFiles.generate.fields, values), modelInfo(m, { withSource: true }));
    const perPrompt = base.count;
    const n = perPrompt * (prompts?.length ?? 1);
    const { kind: _, count: __, condition: given, ...sampling } = base;
    const condition: ConditionSpec = {
      ...given,
      ...(v.class === 'all' ? { classes: Array.from({ length: n }, (_, i) => i % K) } : {}),
      ...(prompts ? { prompt: prompts.flatMap((p) => new Array<string>(perPrompt).fill(p)) } : {}),
    };
    if (scales && !conditioned(condition))
      throw new UsageError('--compare-guidance needs --class, --prompt or --embedding');
    const scale = readFigureScale(v);
    const total = n * (scales?.length ?? 1);
    requireMemory(
      `--n ${n}${scales ? ` x ${scales.length} guidance scales` : ''}`,
      imageJobBytes({
        count: total,
        batch: gif ? n : Math.min(n, defaultGenerateBatch),
        imageShape: m.imageShape,
        scale,
        extraRasters: v.each === true ? 1 : 0,
        gifFrames: gif ? GIF_FRAMES : 0,
      }),
    );
    const nrow = num(v.nrow, 'nrow', scales || prompts ? perPrompt : Math.ceil(Math.sqrt(n)), {
      min: 1,
      max: total,
      integer: true,
    });
    const spec: GenerateSpec = { kind: 'generate', count: n, condition, ...sampling };
    let recorded: RgbaImage[] = [],
      last: JobOutput | null = null;
    const run = (guidance: number): Tensor =>
      runCliJob(
        m,
        { ...spec, guidance },
        (r) => {
          [recorded, last] = [r.frames, r];
          return r.panels[0]!.images.clone();
        },
        gif ? { frames: { content: frames, scale, nrow, max: GIF_FRAMES } } : {},
      );
    // Every file is written at the end, together: a failure leaves none of them (no grid without its GIF).
    const files: { path: string; data: Uint8Array }[] = [];
    const grid = tidy(() => {
      const images = scales ? blocksByPrompt(scales.map(run), prompts?.length ?? 1) : run(sampling.guidance);
      if (v.each === true) {
        const stem = join(dirname(out), basename(out, extname(out)));
        for (let i = 0; i < images.shape[0]!; i++) {
          files.push({
            path: `${stem}-${String(i).padStart(4, '0')}.png`,
            data: gridPng(images.slice(0, i, i + 1), { padding: 0, scale }).png,
          });
        }
      }
      const f = figureOf({ ...last!, panels: [{ label: '', images }] }, nrow);
      return gridPng(images, {
        nrow,
        scale,
        // The settings of the runs but their scale (guidance 1: samplingRun leaves it out).
        title: scales ? guidanceTitle(last!, samplingRun(m, { ...spec, guidance: 1 }).settings) : f.title,
        ...(scales
          ? { rows: (prompts ?? ['']).flatMap((p) => scales.map((w) => (p ? `${p}, w ${w}` : `w ${w}`))) }
          : { ...(f.columns ? { columns: f.columns } : {}), ...(f.rows ? { rows: f.rows } : {}) }),
      });
    });
    files.unshift({ path: out, data: grid.png });
    if (gif) files.push({ path: gif, data: encodeGif(recorded) });
    writeFilesAtomic(files);
    const steps = jobSteps(m, sampling);
    const rows = scales && count(scales.length * (prompts?.length ?? 1), 'row');
    const promptsX = prompts ? `${count(prompts.length, 'prompt')} x ` : '';
    const what = scales ? `${rows} (${promptsX}guidance ${scales.join(', ')}) of ${perPrompt}` : count(n, 'image');
    console.log(
      `wrote ${what} to ${out} (${grid.width}x${grid.height}; ${sampling.sampler}, ${count(steps, 'step')}, seed ${sampling.seed})` +
        (gif ? `; ${count(recorded.length, 'frame')} to ${gif}` : ''),
    );
  } finally {
    m.network.dispose();
  }
  return 0;
}
