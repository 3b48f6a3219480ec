// Mini-batches of a dataset: a permutation per epoch and optional horizontal flips, both drawn from the
// caller's rng, and the one place where pixels become the [-1, 1] range every model in difflab works in.
import { tensor, type Rng, type Tensor } from '../engine/index.js';
import type { Dataset } from './dataset.js';

export interface BatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Draws the shuffle and the flips: the same rng state gives the same epoch. */
  rng: Rng;
  /** 'none' (default) or 'hflip': each image mirrored left-right with probability 1/2. */
  augment?: 'none' | 'hflip';
  /** 'keep' (default) yields a smaller last batch; 'drop' leaves it out. */
  remainder?: 'keep' | 'drop';
  /** 'shuffle' (default) or 'ordered' (dataset order; no draws for it). */
  order?: 'shuffle' | 'ordered';
}

export interface Batch {
  /** Dataset indices of the images, in batch order. */
  indices: Int32Array;
  /** Their class ids, or null for an unlabelled dataset. */
  labels: Int32Array | null;
  /** 1 where the image is mirrored. */
  flipped: Uint8Array;
  /** The images as float32 (B, C, H, W) in [-1, 1], made now in the caller's scope (call it inside tidy). */
  images(): Tensor;
}

/** One epoch of batches. All draws happen when the generator starts: the permutation, then one flip per image. */
export function* batches(dataset: Dataset, o: BatchOptions): Generator<Batch> {
  const n = dataset.count;
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
    throw new Error(`batches: batchSize must be a positive integer, got ${o.batchSize}`);
  }
  const order =
    (o.order ?? 'shuffle') === 'shuffle' ? o.rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const flips = new Uint8Array(n);
  if ((o.augment ?? 'none') === 'hflip') for (let i = 0; i < n; i++) flips[i] = o.rng.uniform() < 0.5 ? 1 : 0;
  const full = Math.floor(n / o.batchSize);
  const count = (o.remainder ?? 'keep') === 'drop' || n % o.batchSize === 0 ? full : full + 1;
  for (let b = 0; b < count; b++) {
    const indices = order.slice(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize));
    const flipped = flips.slice(b * o.batchSize, b * o.batchSize + indices.length);
    yield {
      indices,
      labels: dataset.labels ? indices.map((i) => dataset.labels![i]!) : null,
      flipped,
      images: () => batchImages(dataset, indices, flipped),
    };
  }
}

/** Images at `indices` as (B, C, H, W) in [-1, 1]; uint8 maps x/127.5 - 1, float [0, 1] maps 2x - 1. */
export function batchImages(dataset: Dataset, indices: ArrayLike<number>, flipped?: ArrayLike<number>): Tensor {
  const [c, h, w] = dataset.shape;
  const per = c * h * w;
  const out = new Float32Array(indices.length * per);
  const [scale, shift] = dataset.images instanceof Uint8Array ? [1 / 127.5, -1] : [2, -1];
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b]! * per;
    const mirror = flipped?.[b] === 1;
    for (let p = 0; p < c * h; p++) {
      // p walks the rows of all channels
      for (let x = 0; x < w; x++) {
        out[b * per + p * w + x] = dataset.images[src + p * w + (mirror ? w - 1 - x : x)]! * scale + shift;
      }
    }
  }
  return tensor(out, [indices.length, c, h, w]); // (B, C, H, W)
}

/**
 * The mean of a dataset's images in [-1, 1] (one image, (C, H, W) row-major, summed in float64): with hflip, of
 * the images and their mirrors, the mean of what training with random flips sees.
 */
export function meanImage(dataset: Dataset, o: { hflip?: boolean } = {}): Float32Array {
  const [c, h, w] = dataset.shape;
  const per = c * h * w,
    sum = new Float64Array(per);
  for (let i = 0; i < dataset.count; i++) for (let p = 0; p < per; p++) sum[p]! += dataset.images[i * per + p]!;
  const [scale, shift] = dataset.images instanceof Uint8Array ? [1 / 127.5, -1] : [2, -1];
  const mean = Float32Array.from(sum, (s) => (s / Math.max(1, dataset.count)) * scale + shift);
  if (!o.hflip) return mean;
  return mean.map((v, i) => (v + mean[i - (i % w) + (w - 1 - (i % w))]!) / 2);
}
