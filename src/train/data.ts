// A Dataset as the trainer's TrainingSet: batches by index (data/batches maps pixels to [-1, 1]) with their
// condition: the labels of a labelled dataset and the embeddings of one that carries them.
import { indices, tensor, type BatchRandom, type Tensor } from '../engine/index.js';
import type { Tokenizer } from '../networks/index.js';
import { batchImages, embeddingRows, meanImage, principalSpread, type Dataset } from '../data/index.js';
import type { Cond } from '../diffusion/index.js';
import type { TrainingSet } from './trainer.js';

/**
 * With a tokenizer, a captioned dataset's batches carry token ids: one caption per image, drawn from the image's
 * captions with one uniform of its row's stream (after the flips), so any number of ranks draws the same.
 */
export function trainingSet(d: Dataset, o: { tokenizer?: Tokenizer } = {}): TrainingSet {
  const tk = o.tokenizer;
  if (tk && !d.captions) throw new Error(`${d.source}: the model reads text, and the data has no captions`);
  return {
    length: d.count,
    batch(ids: Int32Array, o: { hflip: boolean; rng: BatchRandom }) {
      const flipped = o.hflip ? Int32Array.from(o.rng.uniforms(ids.length), (u) => (u < 0.5 ? 1 : 0)) : undefined;
      const classes = d.labels && d.classNames.length > 0 ? indices(Array.from(ids, (id) => d.labels![id]!)) : null;
      const e = d.embeddings;
      let tokens: Tensor | undefined;
      if (tk) {
        const u = o.rng.uniforms(ids.length);
        const texts = Array.from(ids, (id, i) => {
          const options = d.captions![id]!;
          return options[Math.min(options.length - 1, Math.floor(u[i]! * options.length))]!;
        });
        tokens = tensor(tk.encodeAll(texts), [ids.length, tk.contextLength]);
      }
      const cond: Cond =
        e || tokens
          ? {
              ...(classes ? { classes } : {}),
              ...(e ? { embedding: tensor(embeddingRows(e, ids), [ids.length, ...e.shape.slice(1)]) } : {}),
              ...(tokens ? { tokens } : {}),
            }
          : classes;
      return { images: batchImages(d, ids, flipped), cond };
    },
    meanImage: (hflip) => ({ data: meanImage(d, { hflip }), shape: [...d.shape] }),
    spread: (hflip) => {
      const data = principalSpread(d, { hflip });
      return { data, shape: [data.length / (d.shape[0] * d.shape[1] * d.shape[2]), ...d.shape] };
    },
  };
}
