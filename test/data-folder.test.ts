// Image folders: class sub-folders, PNG and JPEG, grey and RGB, resizing, and bad files (fail or skip).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { encodePng, loadDataset, loadImageFolder } from '../src/index.js';
import { tempDir } from './helpers.js';

/** A solid-colour RGBA raster. */
function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return { width, height, data };
}

/** dir/red/{a.png, b.jpg}, dir/blue/c.png, plus a README that is not an image. */
function folder(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'red'));
  mkdirSync(join(dir, 'blue'));
  writeFileSync(join(dir, 'red', 'a.png'), encodePng(solid(56, 40, [200, 0, 0])));
  writeFileSync(join(dir, 'red', 'b.jpg'), jpeg.encode(solid(32, 32, [200, 0, 0]), 95).data);
  writeFileSync(join(dir, 'blue', 'c.png'), encodePng(solid(10, 30, [0, 0, 250])));
  writeFileSync(join(dir, 'README.txt'), 'not an image');
  return dir;
}

test('class sub-folders give labels and sorted class names; PNG and JPEG are fitted to the size', () => {
  const dir = folder();
  const { dataset, skipped } = loadImageFolder(dir, { size: 8, channels: 3 });
  assert.deepEqual(skipped, []);
  assert.deepEqual(dataset.classNames, ['blue', 'red']);
  assert.deepEqual([...dataset.labels!], [0, 1, 1]);
  assert.deepEqual(dataset.shape, [3, 8, 8]);
  const px = (i: number, c: number) => dataset.images[i * 192 + c * 64 + 27]!;
  assert.deepEqual([px(0, 0), px(0, 1), px(0, 2)], [0, 0, 250]);
  assert.deepEqual([px(1, 0), px(1, 1), px(1, 2)], [200, 0, 0]);
  assert.ok(Math.abs(px(2, 0) - 200) <= 3 && px(2, 2) <= 3, 'JPEG colour off');

  const grey = loadImageFolder(dir, { size: 28 }).dataset;
  assert.deepEqual(grey.shape, [1, 28, 28]);
  assert.equal(grey.images[100], Math.round(0.114 * 250), 'grey uses BT.601 luma');
});

test('a corrupt image fails with its file name, or is skipped and counted', () => {
  const dir = folder();
  const bad = join(dir, 'red', 'broken.png');
  writeFileSync(bad, encodePng(solid(8, 8, [1, 2, 3])).subarray(0, 30));
  assert.throws(
    () => loadImageFolder(dir),
    (e: Error) => e.message.startsWith(`${bad}: not a valid PNG file (truncated`),
  );
  const { dataset, skipped } = loadImageFolder(dir, { onBadFile: 'skip' });
  assert.equal(dataset.count, 3);
  assert.deepEqual(
    skipped.map((s) => s.file),
    [bad],
  );
  assert.deepEqual(loadDataset(`folder:${dir}`, { onBadFile: 'skip' }).skipped.length, 1);
});

test('missing, empty and mixed folders give clear messages; unlabelled folders have no labels', () => {
  const dir = tempDir();
  assert.throws(() => loadImageFolder(join(dir, 'missing')), /image folder '.*missing' does not exist/);
  assert.throws(() => loadDataset(`folder:${join(dir, 'missing')}`), /does not exist/);
  assert.throws(() => loadImageFolder(dir), /has no picture files \(.png, .jpg/);
  writeFileSync(join(dir, 'x.png'), encodePng(solid(4, 4, [9, 9, 9])));
  const flat = loadImageFolder(dir, { size: 4 }).dataset;
  assert.equal(flat.labels, null);
  assert.deepEqual(flat.classNames, []);
  mkdirSync(join(dir, 'cats'));
  assert.throws(() => loadImageFolder(dir), /both class sub-folders and 1 images at its top/);
});
