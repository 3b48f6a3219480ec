// The jobs a user runs on a trained model, as plain typed data: what the CLI parses its options into, what the
// playground's API validates request bodies into, and what runJob (run.ts) turns into pictures. Specs hold no
// tensors (pictures travel as file bytes), so they cross to worker threads and child processes as they are.
// Every default a job has is stated once, here, beside its reason; the CLI help and the API read it from here.
import type { ViewName } from '../editing/index.js';
import type { NpyArray } from '../io/index.js';
import type { SamplerName } from '../samplers/index.js';

/** A picture as its file's bytes (PNG or JPEG) and a name for messages (a path, or the API field). */
export interface Picture {
  source: string;
  bytes: Uint8Array;
}

/** How a denoising job samples. */
export interface SamplingSpec {
  sampler: SamplerName;
  /** Sampler steps; undefined = the sampler's own default (defaultSamplerSteps). */
  numSteps?: number;
  /** DDIM's stochasticity in [0, 1] (other samplers ignore it). */
  eta: number;
  /**
   * DDPM's reverse-step variance (Ho et al. 2020 Sec. 3.2): 'posterior' (beta-tilde, the default) or 'beta'
   * (sigma_t^2 = beta_t, seed 002's sampling). Other samplers take none.
   */
  variance?: 'posterior' | 'beta';
  /** Image i of a job draws all of its noise from stream i of this seed. */
  seed: number;
  /** Classifier-free guidance scale: 1 = plain conditional, 0 = unconditional; needs a class or an embedding. */
  guidance: number;
}

/** A rectangle of model pixels to regenerate. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Condition vectors for a job: a prompt stored in the model file by name, or an array with a name for messages
 * (a path): one image's shape ([D] or [L, D], or with a leading 1) for every image, or one row per image.
 */
export type EmbeddingSpec = { prompt: string } | { source: string; array: NpyArray };

/**
 * What a job conditions on, the same for every job and every door (jobCondition turns it into the model's input).
 * Any of the parts, or none (unconditional).
 */
export interface ConditionSpec {
  /** A class id for every image, or one per image; null/absent: none (the null class). */
  classes?: number | readonly number[] | null;
  /**
   * A prompt for every image, or one per image: typed text for a model with a text encoder, the name of a stored
   * condition vector for a model trained with --embeddings.
   */
  prompt?: string | readonly string[];
  /** Condition vectors from a file (models trained with --embeddings). */
  embedding?: { source: string; array: NpyArray };
  /** Text for guidance's unconditional branch in place of the empty prompt (text models). */
  negativePrompt?: string;
}

export interface GenerateSpec extends SamplingSpec {
  kind: 'generate';
  count: number;
  condition: ConditionSpec;
}

export interface SdeditSpec extends SamplingSpec {
  kind: 'sdedit';
  image: Picture;
  /** Where on the grid to start: a strength in [0, 1], a start index, or one figure column per start index. */
  start: { strength: number } | { startStep: number } | { sweep: number[] };
  /** Run on the seeds' strided grid of a discrete schedule (stridedTimes: 990, 960, ..., 30 for 30) instead of numSteps. */
  stride?: number;
  condition: ConditionSpec;
}

export interface InpaintSpec extends SamplingSpec {
  kind: 'inpaint';
  image: Picture;
  /** White = generate; a mask picture of the image's own size, or a box in model pixels. */
  mask: Picture | Box;
  condition: ConditionSpec;
  /** RePaint's resampling: times each step is taken. */
  resampleSteps: number;
}

export interface AnagramSpec extends SamplingSpec {
  kind: 'anagram';
  count: number;
  /** The image as it is, and under the view (a class or a prompt each; b's negative prompt is a's). */
  a: ConditionSpec;
  b: ConditionSpec;
  view: ViewName;
}

export interface HybridSpec extends SamplingSpec {
  kind: 'hybrid';
  count: number;
  /** What is seen from afar (low frequencies) and up close (high frequencies); high's negative prompt is low's. */
  low: ConditionSpec;
  high: ConditionSpec;
  blurSigma: number;
  blurKernel: number;
}

export interface ForwardSpec {
  kind: 'forward';
  image: Picture;
  /** Noise times on the model's schedule. */
  times: number[];
  seed: number;
}

/** The seeds' comparison: a picture noised to t, then a blur, the one-step estimate and iterative denoising. */
export interface DenoiseSpec extends SamplingSpec {
  kind: 'denoise';
  image: Picture;
  /** The time the picture is noised to. */
  t: number;
  /** The iterative run's grid: the seeds' stride from t on a discrete schedule, unless numSteps is given. */
  stride?: number;
  blurSigma: number;
  blurKernel: number;
  condition: ConditionSpec;
  /** An x_t of the iterative run for the strip every this many steps. */
  stripEvery: number;
}

export type JobSpec = GenerateSpec | SdeditSpec | InpaintSpec | AnagramSpec | HybridSpec | ForwardSpec | DenoiseSpec;
export type JobKind = JobSpec['kind'];
export const jobKinds: readonly JobKind[] = [
  'generate',
  'sdedit',
  'inpaint',
  'anagram',
  'hybrid',
  'forward',
  'denoise',
];
/** The kinds that run a sampler. */
export type SamplingJobKind = Exclude<JobKind, 'forward'>;

/** What every sampling job states a default for (and its own extras). */
interface SamplingDefaults {
  sampler: SamplerName;
  eta: number;
  guidance: number;
  [extra: string]: unknown;
}

/**
 * Every job default, once. Generation samples deterministically (DDIM, eta 0). The edits take DDIM with eta = 1,
 * which is exactly the strided DDPM posterior ("iterative denoising" of the seeds) at DDIM's 50 steps: DDPM's own
 * default is all T = 1000 steps (Algorithm 2), too slow for an edit. Anagrams and hybrids need guidance to show
 * their two classes at all (w = 3). Steps are always the sampler's own default unless given.
 */
export const jobDefaults = {
  seed: 0,
  generate: { sampler: 'ddim', eta: 0, guidance: 1, count: 16 },
  /** A --sweep runs on the seeds' strided grid (every 30th timestep from 990) unless steps are given. */
  sdedit: { sampler: 'ddim', eta: 1, guidance: 1, strength: 0.5, sweepStride: 30 },
  inpaint: { sampler: 'ddim', eta: 1, guidance: 1, resampleSteps: 1 },
  anagram: { sampler: 'ddim', eta: 1, guidance: 3, count: 1, view: 'flip' },
  hybrid: { sampler: 'ddim', eta: 1, guidance: 3, count: 1, blurSigma: 2, blurKernel: 33 },
  /** The forward process at 11 evenly spaced times from 0 to the schedule's tMax. */
  forward: { numTimes: 11 },
  /**
   * The seeds' denoising comparison: DDPM's strided ancestral steps (eta-free) from t = 500 on their stride of 30,
   * the classical baseline a 5-pixel Gaussian of sigma 1.5, an x_t in the strip every 5 steps.
   */
  denoise: { sampler: 'ddpm', eta: 0, guidance: 1, t: 500, stride: 30, blurSigma: 1.5, blurKernel: 5, stripEvery: 5 },
  /**
   * Training previews: DDIM's 50 deterministic steps (eta 0) from the EMA weights with the run's seed, so one
   * preview differs from the last only by what training changed; text models at guidance 3 (their captions are
   * weak unguided), others unguided unless asked.
   */
  preview: { sampler: 'ddim', eta: 0, numSteps: 50, textGuidance: 3 },
} as const satisfies { seed: number; forward: { numTimes: number }; preview: object } & Record<
  SamplingJobKind,
  SamplingDefaults
>;

/** The views an anagram may use (identity would make both readings the same image). */
export const anagramViews: readonly ViewName[] = ['flip', 'rot90', 'rot180', 'negate'];

/** "ddim (generate), ..." help text of one sampling default across the jobs that have it. */
export function defaultsText(key: 'sampler' | 'eta' | 'guidance', kinds: readonly SamplingJobKind[]): string {
  const groups = new Map<string, SamplingJobKind[]>();
  for (const k of kinds) {
    const v = String(jobDefaults[k][key]);
    groups.set(v, [...(groups.get(v) ?? []), k]);
  }
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups].map(([v, ks]) => `${v} (${ks.join(', ')})`).join(', ');
}
