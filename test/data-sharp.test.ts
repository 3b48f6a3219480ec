// Pictures through libvips (sharp): EXIF orientation, WebP, AVIF, 16-bit PNG; folder datasets decoded once and
// cached (a second load reads the cache, a changed file is decoded again). The test pictures are made here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImageAsync, imageDecoderName, loadImageFolder, prepareImageFolder } from '../src/index.js';
import { tempDir } from './helpers.js';

/** A w x h RGB picture: left half white, right half black (orientation shows), as raw sharp input. */
const halves = (w: number, h: number) => {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w / 2; x++) data.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return sharp(data, { raw: { width: w, height: h, channels: 3 } });
};

test('libvips decodes here, with the EXIF orientation applied', async () => {
  assert.match(await imageDecoderName(), /^libvips \d+\.\d+/);
  // Stored 40x20 (white left) with orientation 6: shown rotated 90 degrees clockwise, 20x40, white on top.
  const jpeg = await halves(40, 20).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const img = await decodeImageAsync(jpeg, 'rotated.jpg');
  assert.deepEqual([img.width, img.height], [20, 40]);
  const at = (x: number, y: number) => img.data[(y * img.width + x) * 4]!;
  assert.ok(at(10, 5) > 200 && at(10, 35) < 50, `white on top after rotation (${at(10, 5)}, ${at(10, 35)})`);
});

test('WebP, AVIF and 16-bit PNG decode to 8-bit RGBA; a damaged file is one line naming it', async () => {
  for (const [name, bytes] of [
    ['a.webp', await halves(32, 16).webp({ lossless: true }).toBuffer()],
    ['a.avif', await halves(32, 16).avif({ quality: 90 }).toBuffer()],
    ['a16.png', await halves(32, 16).toColourspace('rgb16').png().toBuffer()],
  ] as const) {
    const img = await decodeImageAsync(bytes, name);
    assert.deepEqual([img.width, img.height, img.data.length], [32, 16, 32 * 16 * 4], name);
    assert.ok(img.data[0]! > 200 && img.data[(8 * 32 + 30) * 4]! < 60, `${name}: white left, black right`);
  }
  await assert.rejects(
    decodeImageAsync(new Uint8Array([1, 2, 3, 4, 5]), 'junk.webp'),
    /^Error: junk\.webp: cannot decode this picture/,
  );
  const bomb = await halves(64, 64).png().toBuffer();
  await assert.rejects(
    decodeImageAsync(bomb, 'big.png', { maxPixels: 1000 }),
    /big\.png: .*over the limit of 1,000 pixels/,
  );
  const webpBomb = await halves(64, 64).webp().toBuffer();
  await assert.rejects(
    decodeImageAsync(webpBomb, 'big.webp', { maxPixels: 1000 }),
    /big\.webp: .*more than 1000 pixels/,
  );
});

test('a folder dataset is decoded once: the cache serves the next load, a changed file is decoded again', async () => {
  const dir = tempDir(),
    cacheDir = join(tempDir(), 'cache');
  for (const cls of ['dark', 'light']) mkdirSync(join(dir, cls));
  await halves(64, 48)
    .jpeg()
    .toFile(join(dir, 'dark', 'a.jpg'));
  await halves(48, 64)
    .webp()
    .toFile(join(dir, 'dark', 'b.webp'));
  await halves(30, 30)
    .png()
    .toFile(join(dir, 'light', 'c.png'));
  const o = { size: 16, channels: 3 as const, cacheDir };
  const first = await prepareImageFolder(dir, o);
  assert.equal(first.dataset.count, 3);
  assert.deepEqual(first.dataset.classNames, ['dark', 'light']);
  assert.equal(readdirSync(join(cacheDir, 'folders')).length, 1, 'one cache file');
  // The synchronous loader reads the cache: the WebP, which the JavaScript decoders cannot read, is there.
  const again = loadImageFolder(dir, o);
  assert.deepEqual([...again.dataset.images], [...first.dataset.images]);
  assert.deepEqual([...again.dataset.labels!], [0, 0, 1]);
  // Without the cache, the synchronous loader decodes as single pictures are (libvips): the WebP too, the same pixels.
  assert.deepEqual([...loadImageFolder(dir, { ...o, cacheDir: null }).dataset.images], [...first.dataset.images]);
  // A changed file (new mtime and content) is decoded again, not served stale.
  await sharp(Buffer.alloc(30 * 30 * 3), { raw: { width: 30, height: 30, channels: 3 } })
    .png()
    .toFile(join(dir, 'light', 'c.png'));
  utimesSync(join(dir, 'light', 'c.png'), new Date(), new Date(Date.now() + 5000));
  const changed = await prepareImageFolder(dir, o);
  const last = changed.dataset.images.subarray(2 * 3 * 16 * 16);
  assert.ok(
    last.every((v) => v === 0),
    'the new, black c.png',
  );
  assert.ok(existsSync(join(cacheDir, 'folders')));
  writeFileSync(join(cacheDir, 'folders', readdirSync(join(cacheDir, 'folders'))[0]!), 'damaged');
  assert.equal((await prepareImageFolder(dir, o)).dataset.count, 3, 'a damaged cache is rebuilt, not trusted');
});
