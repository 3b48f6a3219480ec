// The embedded Fashion-MNIST subset shipped in the repo (data/fashion-mnist-subset.safetensors.gz): 50 images
// per class from the TEST split, the first 50 of each class in file order (scripts/make-subset.mjs rebuilds it).
// Enough for tests and the default demo without the full dataset.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { tidy } from '../engine/index.js';
import { decodeSafetensors } from '../io/index.js';
import { makeDataset, type Dataset } from './dataset.js';

/** The subset file, found from this module (dist/src/data -> repository root). */
export const EMBEDDED_SUBSET_PATH = fileURLToPath(
  new URL('../../../data/fashion-mnist-subset.safetensors.gz', import.meta.url),
);

/** Loads the embedded subset: 500 uint8 images 1x28x28, labels 0..9, class names, grouped by class. */
export function loadEmbeddedSubset(path = EMBEDDED_SUBSET_PATH): Dataset {
  let bytes: Buffer;
  try {
    bytes = gunzipSync(readFileSync(path));
  } catch (e) {
    throw new Error(
      `${path}: cannot read the embedded subset (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
        'regenerate it with node scripts/make-subset.mjs',
    );
  }
  return tidy(() => {
    const { tensors, metadata } = decodeSafetensors(bytes, path);
    const { images, labels } = tensors;
    if (!images || !labels || images.rank !== 4) {
      throw new Error(`${path}: expected tensors 'images' (N, C, H, W) and 'labels' (N)`);
    }
    const [n, c, h, w] = images.shape as [number, number, number, number];
    return makeDataset({
      images: Uint8Array.from(images.toInt32Array()),
      labels: labels.toInt32Array(),
      classNames: JSON.parse(metadata.classNames ?? '[]') as string[],
      shape: [c, h, w],
      count: n,
      source: path,
    });
  });
}
