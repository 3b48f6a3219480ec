// A Dataset as the trainer's TrainingSet: batches by index (data/batches maps pixels to [-1, 1]) with their
// condition: the labels of a labelled dataset and the embeddings of one that carries them.
import { indices, tensor, type BatchRandom } from '../engine/index.js';
import { batchImages, embeddingRows, type Dataset } from '../data/index.js';
import type { Cond } from '../diffusion/index.js';
import type { TrainingSet } from './trainer.js';

export function trainingSet(d: Dataset): TrainingSet {
  return {
    length: d.count,
    batch(ids: Int32Array, o: { hflip: boolean; rng: BatchRandom }) {
      const flipped = o.hflip ? Int32Array.from(o.rng.uniforms(ids.length), (u) => (u < 0.5 ? 1 : 0)) : undefined;
      const classes = d.labels && d.classNames.length > 0 ? indices(Array.from(ids, (id) => d.labels![id]!)) : null;
      const e = d.embeddings;
      const cond: Cond = e
        ? {
            ...(classes ? { classes } : {}),
            embedding: tensor(embeddingRows(e, ids), [ids.length, ...e.shape.slice(1)]),
          }
        : classes;
      return { images: batchImages(d, ids, flipped), cond };
    },
  };
}
