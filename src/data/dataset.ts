// A dataset held in memory as 8-bit pixels (what IDX files and PNG/JPEG hold), with optional labels and optional
// condition vectors (one text-style embedding per image). Pixels stay uint8 until a batch is made; `batches` maps
// them to [-1, 1], the only place that happens.
import type { NpyArray } from '../io/index.js';

/** Fashion-MNIST's classes, by label id. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
/** MNIST's classes: the digits. */
export const MNIST_CLASSES: readonly string[] = Array.from({ length: 10 }, (_, i) => String(i));

export interface Dataset {
  /** Pixels, image after image, each (C, H, W) row-major: uint8 in [0, 255] or float in [0, 1]. */
  images: Uint8Array | Float32Array;
  /** One class id per image, or null for an unlabelled dataset. */
  labels: Int32Array | null;
  /** Names of the class ids (empty when unlabelled). */
  classNames: readonly string[];
  /** [C, H, W] of every image. */
  shape: readonly [number, number, number];
  /** Number of images. */
  count: number;
  /**
   * One condition vector per image, shape [count, D], or one sequence per image, [count, L, D] (float32, row-major,
   * in image order); absent: none.
   */
  embeddings?: NpyArray;
  /**
   * Captions of each image, in image order: one or more per image, one drawn at random each time the image is used
   * (text-to-image training); absent: none.
   */
  captions?: readonly (readonly string[])[];
  /** The file each image came from (folders), in image order; absent for packaged data. */
  files?: readonly string[];
  /** Where it came from, for messages and run configs. */
  source: string;
}

/** Checks that the parts of a dataset agree (sizes, label range). */
export function makeDataset(d: Dataset): Dataset {
  const [c, h, w] = d.shape;
  if (d.images.length !== d.count * c * h * w) {
    throw new Error(`${d.source}: ${d.images.length} pixel values for ${d.count} images of ${c}x${h}x${w}`);
  }
  if (d.labels) {
    if (d.labels.length !== d.count) throw new Error(`${d.source}: ${d.labels.length} labels for ${d.count} images`);
    const bad = d.labels.find((l) => l < 0 || (d.classNames.length > 0 && l >= d.classNames.length));
    if (bad !== undefined) throw new Error(`${d.source}: label ${bad} outside the ${d.classNames.length} classes`);
  }
  if (d.embeddings) withEmbeddings(d, d.embeddings, `${d.source}'s embeddings`);
  if (d.captions) {
    if (d.captions.length !== d.count)
      throw new Error(`${d.source}: ${d.captions.length} caption lists for ${d.count} images`);
    const empty = d.captions.findIndex((c) => c.length === 0);
    if (empty >= 0) throw new Error(`${d.source}: image ${d.files?.[empty] ?? empty} has no caption`);
  }
  return d;
}

/**
 * The dataset with one condition vector (or sequence) per image: `embeddings` of shape [count, D] or
 * [count, L, D], row i belonging to image i. `source` names the vectors in errors (their file).
 */
export function withEmbeddings(d: Dataset, embeddings: NpyArray, source: string): Dataset {
  const { shape, data } = embeddings;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new Error(`${source}: embeddings must have shape [N, D] or [N, L, D], got [${shape.join(', ')}]`);
  }
  if (shape[0] !== d.count) {
    throw new Error(
      `${source}: ${shape[0]} rows of embeddings for the ${d.count} images of ${d.source} (one row per image, in the data's order)`,
    );
  }
  if (shape.some((s) => !(s > 0))) throw new Error(`${source}: embeddings of shape [${shape.join(', ')}] are empty`);
  const bad = data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`${source}: value ${bad} is ${data[bad]} (embeddings must be finite)`);
  return { ...d, embeddings };
}

/** The images at `indices` (in that order), sharing nothing with the original. */
export function subsetOf(d: Dataset, indices: ArrayLike<number>): Dataset {
  const per = d.shape[0] * d.shape[1] * d.shape[2];
  const images =
    d.images instanceof Uint8Array ? new Uint8Array(indices.length * per) : new Float32Array(indices.length * per);
  const labels = d.labels ? new Int32Array(indices.length) : null;
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (j < 0 || j >= d.count) throw new Error(`${d.source}: index ${j} outside [0, ${d.count})`);
    images.set(d.images.subarray(j * per, (j + 1) * per), i * per);
    if (labels) labels[i] = d.labels![j]!;
  }
  const captions = d.captions ? Array.from(indices, (j) => d.captions![j]!) : undefined;
  const files = d.files ? Array.from(indices, (j) => d.files![j]!) : undefined;
  const embeddings = d.embeddings
    ? { data: embeddingRows(d.embeddings, indices), shape: [indices.length, ...d.embeddings.shape.slice(1)] }
    : undefined;
  return {
    ...d,
    images,
    labels,
    count: indices.length,
    ...(embeddings ? { embeddings } : {}),
    ...(captions ? { captions } : {}),
    ...(files ? { files } : {}),
  };
}

/** The rows of [N, ...] embeddings at `indices`, in that order, as one flat array. */
export function embeddingRows(e: NpyArray, indices: ArrayLike<number>): Float32Array {
  const per = e.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++)
    out.set(e.data.subarray(indices[i]! * per, (indices[i]! + 1) * per), i * per);
  return out;
}
