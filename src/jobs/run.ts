// runJob: one job spec -> one library call -> labelled pictures, optional denoising frames and a line for the
// user. The CLI writes the pictures as one figure (figureOf) and the playground's runner encodes each panel; both
// only parse into specs and render what comes back. Adding a job: its spec in specs.ts, its case here.
import { cat, PerSampleRng, Rng, tidy, type Tensor } from '../engine/index.js';
import { classifierFreeGuidance, type Denoiser } from '../denoisers/index.js';
import { noiseLevel, stridedTimes, type Cond } from '../diffusion/index.js';
import {
  defaultGenerateBatch,
  forwardStrip,
  frameRecorder,
  gaussianBlur,
  generate,
  hybridImage,
  inpaint,
  sdedit,
  sdeditStartStep,
  view,
  visualAnagram,
  type FrameContent,
} from '../editing/index.js';
import type { RgbaImage } from '../io/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { defaultStepsFor, samplerFor, stepGrid, type StepInfo } from '../samplers/index.js';
import { jobCondition } from './condition.js';
import { jobMask, jobPicture, keptPixels, pictureAtInputSize, type EditedPicture } from './pictures.js';
import type { JobSpec, SamplingSpec } from './specs.js';

/** One labelled picture of a result: a batch (k, C, H, W) in [-1, 1]. */
export interface Panel {
  label: string;
  images: Tensor;
}

export interface JobOutput {
  /** The pictures in reading order (an edit's input first); every panel has the same number of images. */
  panels: Panel[];
  /** Index of the panel that is the result (the page shows it first). */
  result: number;
  /** Frames of the denoising, when asked for (RunJobOptions.frames). */
  frames: RgbaImage[];
  /** What was done, in one line (sampler, steps, seed). */
  summary: string;
  /** The settings alone ("ddim, 50 steps, seed 0, guidance 3"): a figure's title. */
  settings: string;
  /** A label per image of a single-panel result (its class), for figures. */
  imageLabels?: string[];
  /** Things the user should know (an input resized to the model). */
  notes: string[];
  /** An edit's result as the user's picture, at its input's own size and channels (sdedit and inpainting). */
  picture?: EditedPicture;
}

export interface RunJobOptions {
  /** Record frames of the denoising: at most max (default 40), showing content, each a grid of nrow, scaled. */
  frames?: { max?: number; content?: FrameContent; scale?: number; nrow?: number };
  /** After every sampler step: steps done and in all (progress bars; throw to cancel the job). */
  onStep?: (done: number, total: number) => void;
  /** Each new frame as it is recorded. */
  onFrame?: (frame: RgbaImage, done: number, total: number) => void;
}

/** The number of sampler steps a spec runs (its own, or its sampler's default on the model's schedule). */
export function jobSteps(m: LoadedDenoiser, spec: SamplingSpec): number {
  return spec.numSteps ?? defaultStepsFor(spec.sampler, m.denoiser.schedule.numTimesteps);
}

/** The model's denoiser with classifier-free guidance of scale w against nullCond (w = 1: unguided). */
function guided(m: LoadedDenoiser, w: number, nullCond: Cond): Denoiser {
  return w === 1 ? m.denoiser : classifierFreeGuidance(m.denoiser, { scale: w, nullCond });
}

/** ", towards red apple" for an edit's summary; nothing when unconditional. */
const towards = (label: string) => (label ? `, ${label}` : '');
/** The names of the two conditions of anagrams and hybrids in messages. */
const pair = {
  a: { prompt: 'prompt A', negativePrompt: 'negative prompt' },
  b: { prompt: 'prompt B', negativePrompt: 'negative prompt' },
  low: { prompt: 'low prompt', negativePrompt: 'negative prompt' },
  high: { prompt: 'high prompt', negativePrompt: 'negative prompt' },
};

/** Counts steps across the job's sampler calls, records frames and reports both. */
function stepper(total: number, o: RunJobOptions) {
  const recorder = o.frames
    ? frameRecorder({
        numSteps: total,
        maxFrames: o.frames.max ?? 40,
        content: o.frames.content ?? 'both',
        grid: { scale: o.frames.scale ?? 2, ...(o.frames.nrow ? { nrow: o.frames.nrow } : {}) },
      })
    : null;
  let done = 0;
  return {
    frames: recorder?.frames ?? [],
    onStep(info: StepInfo): void {
      done++;
      o.onStep?.(done, total);
      if (!recorder) return;
      const before = recorder.frames.length;
      recorder.onStep(info);
      if (recorder.frames.length > before) o.onFrame?.(recorder.frames.at(-1)!, done, total);
    },
  };
}

/** Runs a job on a loaded model. Tensors in the output belong to the caller (run it inside tidy). */
export function runJob(m: LoadedDenoiser, spec: JobSpec, o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const picture = (p: Parameters<typeof jobPicture>[1]) => jobPicture(m, p, notes);
  if (spec.kind === 'forward') {
    const strip = forwardStrip(m.denoiser.schedule, picture(spec.image).image, {
      times: spec.times,
      rng: new Rng(spec.seed),
    });
    const panels = spec.times.map((t, i) => ({ label: `t = ${t}`, images: strip.slice(0, i, i + 1) }));
    const settings = `${m.denoiser.schedule.name} schedule, seed ${spec.seed}`;
    return {
      panels,
      result: panels.length - 1,
      frames: [],
      notes,
      settings,
      summary: `forward process at t = ${spec.times.join(', ')} (${settings})`,
    };
  }
  const sampler = samplerFor(spec.sampler, { eta: spec.eta, ...(spec.variance ? { variance: spec.variance } : {}) });
  const numSteps = jobSteps(m, spec);
  const rngFor = (n: number) => PerSampleRng.of(spec.seed, n);
  const s = m.denoiser.schedule;
  // SDEdit's grid: the seeds' strided times when a stride is given, else the sampler's own (stepGrid).
  const sdeditGrid =
    spec.kind !== 'sdedit'
      ? null
      : spec.stride !== undefined
        ? [...stridedTimes(s, spec.stride).map((t) => noiseLevel(s, t)), 0]
        : stepGrid(spec.sampler, m.denoiser, { numSteps });
  const steps = (k: number) => `${k} step${k === 1 ? '' : 's'}`;
  const stepsText =
    spec.kind === 'sdedit' && spec.stride !== undefined
      ? `${steps(sdeditGrid!.length - 1)} of stride ${spec.stride}`
      : steps(numSteps);
  const what = `${spec.sampler}${spec.variance === 'beta' ? ' (variance beta)' : ''}, ${stepsText}, seed ${spec.seed}${spec.guidance !== 1 ? `, guidance ${spec.guidance}` : ''}`;
  const done = (
    panels: Panel[],
    result: number,
    st: { frames: RgbaImage[] },
    summary: string,
    extra: Pick<JobOutput, 'imageLabels' | 'picture'> = {},
  ): JobOutput => ({
    panels,
    result,
    frames: st.frames,
    notes,
    summary: `${summary} (${what})`,
    settings: what,
    ...extra,
  });
  switch (spec.kind) {
    case 'generate': {
      const batchSize = o.frames ? spec.count : defaultGenerateBatch; // frames show the whole job: one batch
      const st = stepper(numSteps * Math.ceil(spec.count / batchSize), o);
      const c = jobCondition(m, spec.condition, spec.count, notes);
      const x = generate(m.denoiser, {
        sampler,
        imageShape: m.imageShape,
        count: spec.count,
        seed: spec.seed,
        numSteps,
        classes: c.classes,
        embedding: c.embedding,
        tokens: c.tokens,
        batchSize,
        onStep: st.onStep,
        ...(c.given && spec.guidance !== 1
          ? { guidance: { scale: spec.guidance, nullClass: m.nullClass, nullTokens: c.nullTokens } }
          : {}),
      });
      const label = `${spec.count} x ${c.given ? c.label : 'unconditional'}`;
      return done(
        [{ label, images: x }],
        0,
        st,
        `${spec.count} image${spec.count === 1 ? '' : 's'}, ${c.given ? c.label : 'unconditional'}`,
        c.given ? { imageLabels: c.imageLabels } : {},
      );
    }
    case 'sdedit': {
      const input = picture(spec.image),
        image = input.image;
      const c = jobCondition(m, spec.condition, 1, notes);
      const d = guided(m, c.given ? spec.guidance : 1, c.nullCond);
      const grid = sdeditGrid!;
      const n = grid.length - 1;
      const run = (start: { strength: number } | { startStep: number }, onStep: (i: StepInfo) => void) =>
        sdedit(d, image, { sampler, sigmas: grid, rng: rngFor(1), cond: c.cond, onStep, ...start });
      const starts = 'sweep' in spec.start ? spec.start.sweep.map((k) => ({ startStep: k })) : [spec.start];
      const st = stepper(
        starts.reduce((a, x) => a + n - sdeditStartStep(n, x), 0),
        o,
      );
      const results = starts.map((x) => run(x, st.onStep));
      if ('sweep' in spec.start) {
        const tAt = (k: number) => Number(s.timeAt(grid[k]!).toPrecision(3));
        const panels = [
          ...spec.start.sweep.map((k, i) => ({
            label: k === 0 ? 'i 0: noise' : `i ${k}: t ${tAt(k)}`,
            images: results[i]!,
          })),
          { label: 'input', images: image },
        ];
        const what = `SDEdit from start steps ${spec.start.sweep.join(', ')} of ${n}${towards(c.label)} (last: the input)`;
        return done(panels, 0, st, what);
      }
      const how = 'startStep' in spec.start ? `start step ${spec.start.startStep}` : `strength ${spec.start.strength}`;
      return done(
        [
          { label: 'input', images: image },
          { label: 'result', images: results[0]! },
        ],
        1,
        st,
        `SDEdit (${how}${towards(c.label)}): input | result`,
        { picture: pictureAtInputSize(results[0]!, input.decoded) },
      );
    }
    case 'inpaint': {
      const input = picture(spec.image);
      const mask = jobMask(m, spec.mask, input);
      const st = stepper(numSteps, o);
      const c = jobCondition(m, spec.condition, 1, notes);
      const x = inpaint(guided(m, c.given ? spec.guidance : 1, c.nullCond), input.image, {
        sampler,
        numSteps,
        mask,
        rng: rngFor(1),
        cond: c.cond,
        resampleSteps: spec.resampleSteps,
        onStep: st.onStep,
      });
      const kept = input.image.mul(mask.neg().add(1)); // the hole as mid-grey (0)
      return done(
        [
          { label: 'input', images: input.image },
          { label: 'kept region', images: kept },
          { label: 'result', images: x },
        ],
        2,
        st,
        `inpainting${towards(c.label)}: input | kept region | result`,
        { picture: pictureAtInputSize(x, input.decoded, keptPixels(spec.mask, input.decoded, m.imageShape[1])) },
      );
    }
    case 'anagram': {
      const n = spec.count,
        v = view(spec.view);
      const [ca, cb] = [jobCondition(m, spec.a, n, notes, pair.a), jobCondition(m, spec.b, n, notes, pair.b)];
      const d = visualAnagram(guided(m, spec.guidance, ca.nullCond), { condA: ca.cond, condB: cb.cond, view: v });
      const st = stepper(numSteps, o);
      const x = sampler(d, [n, ...m.imageShape], { rng: rngFor(n), numSteps, onStep: st.onStep });
      const [a, b] = [ca.label, cb.label];
      return done(
        [
          { label: `${a}\n(as is)`, images: x },
          { label: `${b}\n(${spec.view})`, images: v.apply(x) },
        ],
        0,
        st,
        `visual anagram: ${a} as is | ${b} under ${spec.view}`,
      );
    }
    case 'hybrid': {
      const n = spec.count,
        blur = { kernelSize: spec.blurKernel, sigma: spec.blurSigma };
      const [cl, ch] = [jobCondition(m, spec.low, n, notes, pair.low), jobCondition(m, spec.high, n, notes, pair.high)];
      const d = hybridImage(guided(m, spec.guidance, cl.nullCond), { condLow: cl.cond, condHigh: ch.cond, blur });
      const st = stepper(numSteps, o);
      const x = sampler(d, [n, ...m.imageShape], { rng: rngFor(n), numSteps, onStep: st.onStep });
      const [lo, hi] = [cl.label, ch.label];
      return done(
        [
          { label: `${hi}\n(up close)`, images: x },
          { label: `${lo}\n(blurred,\nfrom afar)`, images: gaussianBlur(x, blur) },
        ],
        0,
        st,
        `hybrid image: ${hi} up close | ${lo} blurred (as from afar)`,
      );
    }
  }
}

/** A figure's images in grid order, its row length and its labels. */
export interface Figure {
  images: Tensor;
  nrow: number;
  title: string;
  columns?: string[];
  rows?: string[];
}

/**
 * All panels as one figure titled with the settings: a single panel is a grid of its images (nrow per row, default
 * ceil(sqrt(k))), its columns or rows labelled when the images' labels are constant along them (a class per
 * column); several panels are read across, one row per image, each column labelled with its panel.
 */
export function figureOf(out: Pick<JobOutput, 'panels' | 'settings' | 'imageLabels'>, nrow?: number): Figure {
  const { panels } = out;
  const k = panels[0]!.images.shape[0]!;
  if (panels.length > 1) {
    return tidy(() => ({
      images: cat(Array.from({ length: k }, (_, i) => cat(panels.map((p) => p.images.slice(0, i, i + 1))))),
      nrow: panels.length,
      title: out.settings,
      columns: panels.map((p) => p.label),
    }));
  }
  const n = nrow ?? Math.ceil(Math.sqrt(k));
  const labels = out.imageLabels ?? [];
  const constant = (key: (i: number) => number) => labels.length === k && labels.every((l, i) => l === labels[key(i)]);
  if (labels.length === k && new Set(labels).size > 1 && constant((i) => i % n)) {
    return { images: panels[0]!.images, nrow: n, title: out.settings, columns: labels.slice(0, n) };
  }
  if (labels.length === k && new Set(labels).size > 1 && constant((i) => i - (i % n))) {
    return { images: panels[0]!.images, nrow: n, title: out.settings, rows: labels.filter((_, i) => i % n === 0) };
  }
  const title = new Set(labels).size === 1 ? `${labels[0]}: ${out.settings}` : out.settings;
  return { images: panels[0]!.images, nrow: n, title };
}
