// The emoji corpus from its npm packages: pictures composited over white, captions with skin tone and vendor,
// category and identity labels that agree across vendors, and one clear line where the packages are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDatasetAsync, loadEmoji } from '../src/index.js';
import { difflab, tempDir } from './helpers.js';

test('emoji: Twemoji at 16 px, white where transparent, several captions per picture with tone and vendor', async () => {
  const { dataset: d, info } = await loadEmoji({ vendors: ['twitter'], size: 16, install: 'never' });
  assert.deepEqual(d.shape, [3, 16, 16]);
  assert.ok(d.count > 3500 && d.count < 3786, `${d.count} pictures`); // 3,786 files less the bare tone swatches
  assert.equal(d.classNames.length, 9);
  const thumbs = d.captions!.findIndex((c) => c.includes('thumbs up, medium skin tone, twemoji'));
  assert.ok(thumbs >= 0, 'no caption "thumbs up, medium skin tone, twemoji"');
  assert.ok(d.captions![thumbs]!.includes('thumbs up, medium skin tone'), 'the caption without the vendor is missing');
  assert.equal(info[thumbs]!.tone, 'medium skin tone');
  assert.ok(info[thumbs]!.keywords.includes('hand'), 'CLDR keywords are kept for paraphrase prompts');
  for (const k of ['good', 'like', 'yes']) {
    assert.ok(info[thumbs]!.keywords.includes(k));
    assert.ok(!d.captions![thumbs]!.some((c) => c.split(/\W+/).includes(k)), `keyword '${k}' became a caption`);
  }
  assert.ok(
    d.captions!.flat().every((c) => /^[\x20-\x7e]+$/.test(c)),
    'captions are ASCII',
  );
  const apple = d.captions!.findIndex((c) => c.includes('red apple'));
  const corner = d.images[apple * 3 * 256]!; // pixel (0, 0) of the red channel: transparent there
  assert.equal(corner, 255);
});

test('emoji-id: the same base emoji has the same class id in both vendors, skin tones included', async () => {
  const [tw, go] = await Promise.all(
    ['emoji-id:twitter', 'emoji-id:google'].map(async (s) => (await loadDatasetAsync(s, { size: 8 })).dataset),
  );
  assert.deepEqual(tw!.classNames, go!.classNames);
  assert.ok(tw!.classNames.length > 1800);
  const id = (d: typeof tw, caption: string) => d!.labels![d!.captions!.findIndex((c) => c.includes(caption))]!;
  assert.equal(id(tw, 'thumbs up, dark skin tone'), id(go, 'thumbs up, noto'));
  assert.notEqual(id(tw, 'red apple'), id(tw, 'thumbs up'));
  assert.equal(tw!.classNames[id(tw, 'red apple')], 'red apple');
});

test('emoji: missing packages, unknown vendors and text options are one clear line', async () => {
  await assert.rejects(
    loadEmoji({ vendors: ['google'], packagesDir: tempDir() }),
    /the npm packages emoji-datasource-google@16\.0\.0, emojibase-data@17\.0\.0 are not installed \(npm install/,
  );
  const run = (...args: string[]) => difflab('train', '--out', `${tempDir()}/run`, '--steps', '1', ...args);
  for (const [args, message] of [
    [['--data', 'emoji:apple', '--text'], /unknown vendor 'apple' \(twitter, google\)/],
    [['--data', 'fashion-mnist', '--text'], /--text: fashion-mnist has no captions/],
    [['--data', 'subset', '--preset', 'emoji'], /the emoji network reads text: train it on captioned data with --text/],
  ] as const) {
    const r = run(...args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
