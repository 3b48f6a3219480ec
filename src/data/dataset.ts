// A dataset held in memory as 8-bit pixels (what IDX files and PNG/JPEG hold), with optional labels.
// Pixels stay uint8 until a batch is made; `batches` maps them to [-1, 1], the only place that happens.

/** Fashion-MNIST's classes, by label id. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
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
  return d;
}

/** The images at `indices` (in that order), sharing nothing with the original. */
export function subsetOf(d: Dataset, indices: ArrayLike<number>): Dataset {
  const per = d.shape[0] * d.shape[1] * d.shape[2];
  const images = d.images instanceof Uint8Array ? new Uint8Array(indices.length * per) : new Float32Array(indices.length * per);
  const labels = d.labels ? new Int32Array(indices.length) : null;
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (j < 0 || j >= d.count) throw new Error(`${d.source}: index ${j} outside [0, ${d.count})`);
    images.set(d.images.subarray(j * per, (j + 1) * per), i * per);
    if (labels) labels[i] = d.labels![j]!;
  }
  return { ...d, images, labels, count: indices.length };
}
