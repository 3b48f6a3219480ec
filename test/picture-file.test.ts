// One picture reader: a single picture (--image, a mask, an upload) is read as a folder's pictures are, by libvips
// with the EXIF orientation applied, and its file is read with a bound (a FIFO or a device is refused at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  decodeImage,
  decodeImageAsync,
  jobPicture,
  loadImageFolder,
  loadImageInput,
  prepareImageFolder,
  readImageFile,
  readPictureFile,
  type LoadedDenoiser,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
// Stored 40x20 with its left half white and EXIF orientation 6: shown turned 90 degrees clockwise, 20x40, white on
// top. A reader that ignores the orientation sees it 40x20, white on the left.
const raw = Buffer.alloc(40 * 20 * 3);
for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) raw.fill(255, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
  .jpeg({ quality: 95 })
  .withMetadata({ orientation: 6 })
  .toBuffer();
const PHOTO = join(dir, 'photo.jpg');
writeFileSync(PHOTO, jpeg);

test('a single picture is read upright (EXIF orientation 6), the same pixels as in a training folder', async () => {
  const img = readImageFile(PHOTO);
  assert.deepEqual([img.width, img.height], [20, 40]);
  const at = (x: number, y: number) => img.data[(y * img.width + x) * 4]!;
  assert.ok(at(10, 5) > 200 && at(10, 35) < 50, `white on top (${at(10, 5)}, ${at(10, 35)})`);
  assert.deepEqual(img, await decodeImageAsync(jpeg, PHOTO), 'the folders reader gives the same raster');
  // The JavaScript decoder alone reads it sideways: the defect this guards against.
  assert.deepEqual([decodeImage(jpeg).width, decodeImage(jpeg).height], [40, 20]);
  // As a model input, a job's picture and a folder's image agree (both fitted to 16x16 grey the same way).
  const single = loadImageInput(PHOTO, { size: 16, channels: 1 }).image;
  const model = { imageShape: [1, 16, 16] } as unknown as LoadedDenoiser; // jobPicture reads only the shape
  const job = jobPicture(model, { source: PHOTO, bytes: jpeg }, []).image;
  assert.deepEqual([...job.toFloat32Array()], [...single.toFloat32Array()]);
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'folder', 'photo.jpg'), jpeg);
  const fit = { size: 16, channels: 1, fit: 'stretch', cacheDir: null } as const;
  const fromSingle = Array.from(single.toFloat32Array(), (v) => Math.round((v + 1) * 127.5));
  for (const folder of [await prepareImageFolder(join(dir, 'folder'), fit), loadImageFolder(join(dir, 'folder'), fit)])
    assert.deepEqual(Array.from(folder.dataset.images), fromSingle, 'a folder holds the same pixels');
  [single, job].forEach((t) => t.dispose());
});

test('picture files are read with a bound: a device, a named pipe or a folder is refused before reading', () => {
  const fifo = join(dir, 'pipe.png');
  spawnSync('mkfifo', [fifo]);
  assert.throws(() => readPictureFile('/dev/zero'), /^Error: \/dev\/zero: not a picture file \(it is a device\)$/);
  assert.throws(() => readPictureFile(fifo), /pipe\.png: not a picture file \(it is a named pipe\)$/);
  assert.throws(() => readPictureFile(dir), /not a picture file \(it is a folder\)$/);
  assert.throws(() => readPictureFile(PHOTO, 100), /photo\.jpg: \d+ bytes, over the 100-byte limit for a picture file/);
  assert.deepEqual(readPictureFile(PHOTO), jpeg);
});
