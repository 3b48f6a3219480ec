// What the jobs a user runs on a trained model share, as plain typed data: pictures, sampling settings and
// conditions. Each kind's own spec and defaults (with their reasons) are in its job file (generate.ts, sdedit.ts,
// ...), and kinds.ts gathers them into JobSpec and jobDefaults. Specs hold no tensors (pictures travel as file
// bytes), so they cross to worker threads and child processes as they are.
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
  /**
   * Where sampling from noise starts: 'data' (the Gaussian with the model's data mean and spread plus noise,
   * Denoiser.priorMean and priorSpread; the mean alone for a file without a spread, 0 for one without a mean),
   * 'data-mean' (the mean plus noise) or 'zero' (x_T ~ N(0, I), as the seeds and files before 2026-12-04 start).
   * Absent: 'data'. Jobs that start at a picture (SDEdit, inpainting, denoising) do not read it.
   */
  startAt?: 'data' | 'data-mean' | 'zero';
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

/** The seed every job draws from unless told. */
export const DEFAULT_SEED = 0;

/** What every sampling job states a default for (its own extras beside). */
export interface SamplingDefaults {
  readonly sampler: SamplerName;
  readonly eta: number;
  readonly guidance: number;
  readonly [extra: string]: unknown;
}
