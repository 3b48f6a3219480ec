// A Dataset as the trainer's TrainingSet: batches by index (data/batches maps pixels to [-1, 1]).
import { indices, type BatchRandom } from '../engine/index.js';
import { batchImages, type Dataset } from '../data/index.js';
import type { TrainingSet } from './trainer.js';

export function trainingSet(d: Dataset): TrainingSet {
  return {
    length: d.count,
    batch(ids: Int32Array, o: { hflip: boolean; rng: BatchRandom }) {
      const flipped = o.hflip ? Int32Array.from(o.rng.uniforms(ids.length), (u) => (u < 0.5 ? 1 : 0)) : undefined;
      const labels = d.labels && d.classNames.length > 0 ? indices(Array.from(ids, (id) => d.labels![id]!)) : null;
      return { images: batchImages(d, ids, flipped), labels };
    },
  };
}
