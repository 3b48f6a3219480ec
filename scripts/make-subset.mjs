#!/usr/bin/env node
// Regenerates data/fashion-mnist-subset.safetensors.gz: the first 50 images of each class in the Fashion-MNIST
// TEST split (file order), grouped by class, as uint8 'images' (500, 1, 28, 28) and int64 'labels' (500), with
// the class names and source indices in the metadata. Needs the built library (npm run build) and the dataset
// (apt-get install dataset-fashion-mnist). Usage: node scripts/make-subset.mjs [DIR] [--per-class 50]
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { FASHION_MNIST_DIR, encodeSafetensors, loadMnist, tensor, indices as idsTensor } from '../dist/src/index.js';

const { values, positionals } = parseArgs({
  options: { 'per-class': { type: 'string', default: '50' } },
  allowPositionals: true,
});
const perClass = Number(values['per-class']);
const dir = positionals[0] ?? FASHION_MNIST_DIR;
const test = loadMnist({ dir, split: 'test' });
const picked = [];
for (let c = 0; c < test.classNames.length; c++) {
  const of = [];
  for (let i = 0; i < test.count && of.length < perClass; i++) if (test.labels[i] === c) of.push(i);
  picked.push(...of);
}
const per = 28 * 28;
const images = new Uint8Array(picked.length * per);
picked.forEach((j, i) => images.set(test.images.subarray(j * per, (j + 1) * per), i * per));
const labels = picked.map((j) => test.labels[j]);
const chunks = encodeSafetensors(
  { images: tensor(images, [picked.length, 1, 28, 28]), labels: idsTensor(labels) },
  {
    source: 'Fashion-MNIST test split (t10k-images-idx3-ubyte), first images of each class in file order',
    classNames: JSON.stringify(test.classNames),
    testIndices: JSON.stringify(picked),
  },
);
const out = new URL('../data/fashion-mnist-subset.safetensors.gz', import.meta.url);
writeFileSync(out, gzipSync(Buffer.concat(chunks), { level: 9 }));
console.log(`wrote ${out.pathname}: ${picked.length} images (${perClass} per class) from ${dir}`);
