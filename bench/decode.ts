// Decoding photo folders: the pure-JavaScript decoders against libvips (sharp), and the cached second run.
// A folder of real photos (python3-skimage's test images, PNG and JPEG) plus 12-megapixel JPEGs made from one of
// them, fitted to 64x64 RGB as `train --data folder:DIR --size 64 --channels 3` does. npm run bench:decode
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { imageDecoderName, loadImageFolder, prepareImageFolder } from '../src/index.js';

const PHOTOS = '/usr/lib/python3/dist-packages/skimage/data';
const names = [
  'astronaut.png',
  'chelsea.png',
  'coffee.png',
  'hubble_deep_field.jpg',
  'motorcycle_left.png',
  'rocket.jpg',
  'color.png',
  'retina.jpg',
];

const dir = mkdtempSync(join(tmpdir(), 'difflab-decode-'));
const photos = join(dir, 'photos'),
  big = join(dir, 'big');
mkdirSync(photos);
mkdirSync(big);
const available = names.filter((n) => readdirSync(PHOTOS).includes(n));
for (let copy = 0; copy < 5; copy++)
  for (const n of available) copyFileSync(join(PHOTOS, n), join(photos, `${copy}-${n}`));
for (let i = 0; i < 6; i++) {
  await sharp(join(PHOTOS, 'astronaut.png'))
    .resize(4000, 3000, { fit: 'fill' })
    .modulate({ brightness: 1 + i / 50 })
    .jpeg({ quality: 90 })
    .toFile(join(big, `big-${i}.jpg`));
}

const fit = { size: 64, channels: 3 as const };
async function time(label: string, folder: string, fn: () => unknown): Promise<void> {
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000,
    n = readdirSync(folder).length;
  console.log(`| ${label} | ${n} | ${s.toFixed(2)} s | ${(n / s).toFixed(1)} |`);
}
console.log(`decoder: ${await imageDecoderName()}; photos: ${available.join(', ')} (x5), and 6 JPEGs of 4000x3000`);
console.log('| run | pictures | time | pictures/s |\n|---|---|---|---|');
for (const [what, folder] of [
  ['skimage photos', photos],
  ['12 MP JPEGs', big],
] as const) {
  await time(`${what}: JavaScript (pngjs, jpeg-js), no cache`, folder, () =>
    loadImageFolder(folder, { ...fit, cacheDir: null }),
  );
  const cacheDir = join(dir, `cache-${what.length}`);
  await time(`${what}: libvips (sharp), first run`, folder, () => prepareImageFolder(folder, { ...fit, cacheDir }));
  await time(`${what}: second run (cache)`, folder, () => prepareImageFolder(folder, { ...fit, cacheDir }));
}
