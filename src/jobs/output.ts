// What a job gives back (labelled pictures, frames, a line for the user, the edited picture at its own size) and
// what every sampling job's run shares: the settings line, the step counter that drives progress and frames, and
// the guided denoiser. Each kind's run (jobs/<kind>.ts) builds on these.
import { PerSampleRng, type Tensor } from '../engine/index.js';
import { classifierFreeGuidance, type Denoiser } from '../denoisers/index.js';
import type { Cond } from '../diffusion/index.js';
import { frameRecorder, type FrameContent } from '../editing/index.js';
import type { RgbaImage } from '../io/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { defaultStepsFor, samplerFor, type Sampler, type SamplerOptions, type StepInfo } from '../samplers/index.js';
import type { ResultPicture } from './pictures.js';
import type { SamplingSpec } from './specs.js';

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
  /**
   * What an edit's figure shows that its columns do not (the condition it was steered towards, how far, the
   * resampling): the title leads with it, before the settings.
   */
  subject?: string;
  /** A label per image of a single-panel result (its class), for figures. */
  imageLabels?: string[];
  /** Things the user should know (an input resized to the model). */
  notes: string[];
  /**
   * The result as the user's pictures, one file each: sdedit's and inpainting's at the input's own size and
   * channels; an anagram's (as is and under its view) and a hybrid's at the model's size, one per image.
   */
  pictures?: ResultPicture[];
  /** A second figure of one row (the denoising comparison's x_t strip). */
  series?: { title: string; panels: Panel[] };
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

/** The one guidance combinator of every job: the model's denoiser guided with scale w against nullCond (1: none). */
export function guided(m: LoadedDenoiser, w: number, nullCond: Cond): Denoiser {
  return w === 1 ? m.denoiser : classifierFreeGuidance(m.denoiser, { scale: w, nullCond });
}

/** ", towards red apple" for an edit's summary; nothing when unconditional. */
export const towards = (label: string) => (label ? `, ${label}` : '');

/** Where a job's sampling starts, as its model allows: the spec's start, or less where the file holds less. */
export type Start = 'data' | 'data mean' | 'zero';
export function startOf(m: LoadedDenoiser, spec: Pick<SamplingSpec, 'startAt'>): Start {
  const d = m.denoiser,
    asked = spec.startAt ?? 'data';
  if (!d.priorMean || asked === 'zero') return 'zero';
  return d.priorSpread && asked === 'data' ? 'data' : 'data mean';
}

/** The sampler started with less of the denoiser's prior than it holds (--start-at data-mean or zero). */
function startingAt(s: Sampler, start: Start): Sampler {
  const at = (d: Denoiser, shape: readonly number[], o: SamplerOptions) => {
    const { priorMean, priorSpread: _, ...rest } = d;
    return s(start === 'zero' ? rest : { ...rest, ...(priorMean ? { priorMean } : {}) }, shape, o);
  };
  return Object.assign(at, { samplerName: s.samplerName });
}

const stepsText = (k: number) => `${k} step${k === 1 ? '' : 's'}`;

/** A sampling job's sampler, steps, per-image noise and settings line ("ddim, 50 steps, seed 0, guidance 3"). */
export function samplingRun(
  m: LoadedDenoiser,
  spec: SamplingSpec,
  o: { steps?: string } = {},
): { sampler: Sampler; numSteps: number; rngFor: (n: number) => PerSampleRng; settings: string } {
  const numSteps = jobSteps(m, spec);
  const variance = spec.variance === 'beta' ? ' (variance beta)' : '';
  const guidance = spec.guidance !== 1 ? `, guidance ${spec.guidance}` : '';
  const start = startOf(m, spec),
    narrowed = start !== startOf(m, {}); // asked for less than the file holds (a file without a mean starts at 0)
  const startText = !narrowed ? '' : start === 'zero' ? ', start 0' : ', start mean';
  const named = samplerFor(spec.sampler, { eta: spec.eta, ...(spec.variance ? { variance: spec.variance } : {}) });
  return {
    sampler: narrowed ? startingAt(named, start) : named,
    numSteps,
    rngFor: (n) => PerSampleRng.of(spec.seed, n),
    settings: `${spec.sampler}${variance}, ${o.steps ?? stepsText(numSteps)}, seed ${spec.seed}${guidance}${startText}`,
  };
}
export { stepsText };

/** A sampling job's output: its panels, with the summary followed by the settings. */
export function samplingOutput(
  run: { settings: string },
  st: { frames: RgbaImage[] },
  notes: string[],
  panels: Panel[],
  result: number,
  summary: string,
  extra: Pick<JobOutput, 'imageLabels' | 'pictures' | 'subject'> = {},
): JobOutput {
  return {
    panels,
    result,
    frames: st.frames,
    notes,
    summary: `${summary} (${run.settings})`,
    settings: run.settings,
    ...extra,
  };
}

/** Counts steps across the job's sampler calls, records frames and reports both. */
export function stepper(total: number, o: RunJobOptions) {
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
