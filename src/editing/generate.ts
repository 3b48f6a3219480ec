// Image generation in batches with per-image seeds: image i of seed s draws all of its noise from stream i of s
// (PerSampleRng), so it is the same picture whatever the batch size or the other images. Classes, condition
// vectors and guidance are per image; the guided denoiser is built per batch because the null condition has the
// batch's size (null class ids, which leave the embedding out: the model's null embedding).
import { cat, indices, keep, PerSampleRng, tidy, type Tensor } from '../engine/index.js';
import { classifierFreeGuidance, type Denoiser } from '../denoisers/index.js';
import type { Cond, Spacing } from '../diffusion/index.js';
import type { Sampler, StepInfo } from '../samplers/index.js';

export interface GenerateOptions {
  sampler: Sampler;
  /** [C, H, W] of one image. */
  imageShape: readonly [number, number, number];
  /** Images in all. */
  count: number;
  /** Seed of every image's noise. Default 0. */
  seed?: number;
  /** Images per sampler call. Default defaultGenerateBatch. */
  batchSize?: number;
  /** Class id of each image (count of them), or null/absent for unconditional sampling. */
  classes?: readonly number[] | null;
  /** Condition vector of each image, (count, D) or (count, L, D); null/absent: none (the null embedding). */
  embedding?: Tensor | null;
  /** Prompt token ids of each image, (count, L) int64, for a model that reads text; null/absent: the empty prompt. */
  tokens?: Tensor | null;
  /**
   * Classifier-free guidance: scale w, the model's null class id, and the unconditional branch's prompt token ids
   * (count, L) in place of the empty prompt (a negative prompt). Default: none (plain conditional).
   */
  guidance?: { scale: number; nullClass: number; nullTokens?: Tensor | null };
  /** Sampler steps. Default: the sampler's own. */
  numSteps?: number;
  spacing?: Spacing;
  /** An explicit grid of noise levels ending in 0. */
  sigmas?: readonly number[];
  /** Per-step callback; `first` is the index of the batch's first image. */
  onStep?: (info: StepInfo, first: number) => void;
}

/** Images per sampler call unless told: memory stays bounded whatever the count. */
export const defaultGenerateBatch = 64;

/** count images (count, C, H, W) in [-1, 1]-ish (unclipped). */
export function generate(d: Denoiser, o: GenerateOptions): Tensor {
  const { count } = o;
  const batch = o.batchSize ?? defaultGenerateBatch;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`generate: count must be a positive integer, got ${count}`);
  if (o.classes && o.classes.length !== count)
    throw new Error(`generate: ${o.classes.length} classes for ${count} images`);
  if (o.embedding && o.embedding.shape[0] !== count)
    throw new Error(`generate: ${o.embedding.shape[0]} embeddings for ${count} images`);
  if (o.tokens && o.tokens.shape[0] !== count)
    throw new Error(`generate: ${o.tokens.shape[0]} prompts for ${count} images`);
  if (o.guidance && !o.classes && !o.embedding && !o.tokens)
    throw new Error('generate: guidance needs classes, an embedding or prompts');
  const parts: Tensor[] = [];
  try {
    for (let first = 0; first < count; first += batch) {
      const n = Math.min(batch, count - first);
      parts.push(
        keep(
          tidy(() => {
            const classes = o.classes ? indices(o.classes.slice(first, first + n)) : null;
            const cond: Cond =
              o.embedding || o.tokens
                ? {
                    ...(classes ? { classes } : {}),
                    ...(o.embedding ? { embedding: o.embedding.slice(0, first, first + n) } : {}),
                    ...(o.tokens ? { tokens: o.tokens.slice(0, first, first + n) } : {}),
                  }
                : classes;
            const denoiser = o.guidance
              ? classifierFreeGuidance(d, {
                  scale: o.guidance.scale,
                  nullCond: o.guidance.nullTokens
                    ? {
                        classes: indices(new Array<number>(n).fill(o.guidance.nullClass)),
                        tokens: o.guidance.nullTokens.slice(0, first, first + n),
                      }
                    : indices(new Array<number>(n).fill(o.guidance.nullClass)),
                })
              : d;
            return o.sampler(denoiser, [n, ...o.imageShape], {
              rng: PerSampleRng.of(o.seed ?? 0, n, first),
              cond,
              numSteps: o.numSteps,
              spacing: o.spacing,
              sigmas: o.sigmas,
              ...(o.onStep ? { onStep: (info: StepInfo) => o.onStep!(info, first) } : {}),
            });
          }),
        ),
      );
    }
    return parts.length === 1 ? parts[0]!.clone() : cat(parts, 0);
  } finally {
    for (const p of parts) p.dispose();
  }
}
