// The messages between a job worker thread (worker-thread.ts) and its owner (JobWorker, worker.ts; the playground's
// runner process): plain data, cloned across threads and processes. No tensors: pictures travel as PNG bytes.
import type { PromptReading } from './prompts.js';
import type { JobSpec } from './kinds.js';

/** What a streamed frame shows: the denoiser's x0 estimate, the noisy x_t, or both side by side. */
export const PREVIEW_CONTENTS = ['x0', 'xt', 'both'] as const;

/** What the runner reports about its model once loaded (GET /api/info passes it on). */
export interface ModelInfo {
  /** The model file as it was named (for messages); absent where the door does not show it. */
  source?: string;
  classNames: string[];
  /** How the model reads prompts: as text, as names of stored vectors, or not at all. */
  reads: PromptReading;
  /** What it is conditioned on, in words ("it reads text prompts"), for messages. */
  conditioning: string;
  /** Prompts to offer a model that reads text: a few of its training captions (none where its file has none). */
  examplePrompts: string[];
  /** [C, H, W]. */
  imageShape: [number, number, number];
  /** The schedule's name, its smallest and largest time and its number of discrete steps (null: continuous). */
  schedule: { name: string; tMin: number; tMax: number; numTimesteps: number | null };
  /** Training steps the weights saw. */
  trainingSteps: number;
  /** The precision the runner computes in. */
  precision: 'fp32' | 'bf16';
}

/** What the page sees while a job runs: at most maxFrames frames, evenly spread, showing content. */
export interface PreviewSpec {
  maxFrames: number;
  content: (typeof PREVIEW_CONTENTS)[number];
}

/** A job as the API accepted it: the library's job spec (pictures as PNG bytes) and its preview settings. */
export type JobRequest = JobSpec & { preview: PreviewSpec };

/** One picture of a result: the main one first, then other readings (the anagram's view, the hybrid's blur). */
export interface ResultImage {
  label: string;
  png: Uint8Array;
}

export interface JobResult {
  images: ResultImage[];
  /** Animated GIF of the denoising (absent for the forward process). */
  gif?: Uint8Array;
  /** The forward process: one PNG per requested time. */
  forward?: { t: number; png: Uint8Array }[];
  /**
   * The result as the user's pictures, a PNG each (JobOutput.pictures): sdedit's and inpainting's at the input's
   * own size and channels, an anagram's and a hybrid's at the model's; `name` sets one apart in a file name.
   */
  pictures?: { name: string; label: string; png: Uint8Array }[];
  summary: string;
}

/** Worker -> its owner. */
export type WorkerMessage =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'failed'; error: string }
  | { type: 'frame'; id: number; step: number; numSteps: number; png: Uint8Array }
  | { type: 'done'; id: number; result: JobResult }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; error: string; statusCode: number };

/** Owner -> worker. */
export type WorkerRequest = { type: 'job'; id: number; spec: JobRequest } | { type: 'cancel'; id: number };
