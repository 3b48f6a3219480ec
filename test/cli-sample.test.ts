// difflab sample / forward / denoise / edit on a tiny model trained here: output sizes, GIF frames, per-image
// PNGs, and bad inputs failing with one line while writing nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng, encodePng, loadModel, saveModel } from '../src/index.js';
import { difflab, tempDir } from './helpers.js';
import { gifInfo, tinyModelFile } from './editing-helpers.js';

let model: string;
let dir: string;
before(async () => {
  model = await tinyModelFile();
  dir = tempDir();
  // A 40x30 RGB picture (resized to 28x28 with a note), a grey mask of its size, a mask of another size, a
  // coloured mask and a file that is not an image.
  const rgba = (w: number, h: number, f: (x: number, y: number) => [number, number, number]) => {
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([...f(x, y), 255], (y * w + x) * 4);
    return encodePng({ width: w, height: h, data });
  };
  writeFileSync(
    join(dir, 'photo.png'),
    rgba(40, 30, (x, y) => [x * 6, y * 8, 128]),
  );
  writeFileSync(
    join(dir, 'mask.png'),
    rgba(40, 30, (x) => (x >= 20 ? [255, 255, 255] : [0, 0, 0])),
  );
  writeFileSync(
    join(dir, 'small-mask.png'),
    rgba(20, 20, () => [255, 255, 255]),
  );
  writeFileSync(
    join(dir, 'red-mask.png'),
    rgba(40, 30, () => [255, 0, 0]),
  );
  writeFileSync(join(dir, 'notes.png'), 'not an image');
});

const png = (path: string) => decodePng(readFileSync(path));
/** Grid side for k images of 28 px at scale 2 with 2 px padding. */
const side = (k: number) => k * (56 + 2) + 2;
/** A labelled figure of cols x rows tiles: the grid, under a title and column labels of up to 3 lines (at most 64 px), maybe wider. */
function assertFigure(path: string, cols: number, rows: number, what = path): void {
  const { width, height } = png(path);
  assert.ok(width >= side(cols) && width <= side(cols) + 400, `${what}: width ${width} for ${cols} columns`);
  assert.ok(height > side(rows) && height <= side(rows) + 64, `${what}: height ${height} for ${rows} rows`);
}

test('sample: a PNG grid of the expected size, one PNG per image, a GIF with the expected frames', () => {
  const out = join(dir, 'grid.png'),
    gif = join(dir, 'steps.gif');
  const r = difflab(
    'sample',
    '--model',
    model,
    '--n',
    '6',
    '--nrow',
    '3',
    '--steps',
    '5',
    '--class',
    'Sneaker',
    '--guidance',
    '2',
    '--each',
    '--gif',
    gif,
    '--frames',
    'both',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  assertFigure(out, 3, 2);
  assert.equal(readdirSync(dir).filter((f) => /^grid-\d{4}\.png$/.test(f)).length, 6);
  assert.deepEqual([png(join(dir, 'grid-0005.png')).width, png(join(dir, 'grid-0005.png')).height], [56, 56]);
  const info = gifInfo(readFileSync(gif));
  assert.deepEqual(info, { width: 3 * (112 + 2) + 2, height: side(2), frames: 5 }); // x_t | x0 tiles, one frame per step
});

test('sample --compare-guidance writes one row per scale', () => {
  const out = join(dir, 'cfg.png');
  const r = difflab(
    'sample',
    '--model',
    model,
    '--n',
    '2',
    '--steps',
    '3',
    '--class',
    '7',
    '--compare-guidance',
    '0,1,3',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  assertFigure(out, 2, 3);
});

test('forward, denoise and every edit write their figures; a resized input is noted on stderr', () => {
  const cases: [string[], number, number][] = [
    [['forward', '--model', model, '--t', '0,500,999'], 3, 1],
    [['denoise', '--model', model, '--t', '300', '--steps', '3'], 5, 1],
    [['edit', 'sdedit', '--model', model, '--strength', '0.6', '--steps', '5'], 2, 1],
    [['edit', 'sdedit', '--model', model, '--sweep', '1,3', '--steps', '5', '--class', 'Bag'], 3, 1],
    [['edit', 'inpaint', '--model', model, '--mask', join(dir, 'mask.png'), '--steps', '4'], 3, 1],
    [['edit', 'inpaint', '--model', model, '--box', '4,4,10,10', '--steps', '4', '--resample', '2'], 3, 1],
  ];
  for (const [args, cols, rows] of cases) {
    const out = join(dir, `${args.slice(0, 2).join('-')}-${cols}.png`);
    // sdedit and inpaint hand back the picture at the input's own size; the figure goes to --figure.
    const picture = args[0] === 'edit' && !args.includes('--sweep');
    const figure = picture ? join(dir, `${args.slice(0, 2).join('-')}-${cols}-figure.png`) : out;
    const r = difflab(
      ...args,
      '--image',
      join(dir, 'photo.png'),
      '--out',
      out,
      ...(picture ? ['--figure', figure] : []),
    );
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /40x30; resized to the model's 28x28/);
    assertFigure(figure, cols, rows, args.join(' '));
    if (picture) {
      const p = decodePng(readFileSync(out));
      assert.deepEqual([p.width, p.height], [40, 30], `${args.join(' ')}: the result is not at the input's size`);
      assert.match(r.stdout, /wrote the result at 40x30 to .*, the figure to /);
    }
    if (args[0] === 'denoise') assert.match(r.stdout, /one-step -?[\d.]+ dB, iterative \(ddpm\) -?[\d.]+ dB/);
  }
  // Anagrams and hybrids hand back their pictures at the model's size (28x28, grey), one file each: --out itself
  // (and OUT-rot180.png, the anagram's view), numbered OUT-0000.png, OUT-0000-rot180.png, ... when --n is over 1.
  for (const [args, readings] of [
    [
      ['anagram', '--class-a', 'Trouser', '--class-b', 'Dress', '--view', 'rot180'],
      ['', '-rot180'],
    ],
    [['hybrid', '--class-low', '0', '--class-high', '1'], ['']],
  ] as const) {
    for (const n of [1, 2]) {
      const name = `${args[0]}-n${n}`;
      const [out, figure] = [join(dir, `${name}.png`), join(dir, `${name}-figure.png`)];
      const r = difflab(
        'edit',
        ...args,
        '--model',
        model,
        '--n',
        String(n),
        '--steps',
        '4',
        '--out',
        out,
        '--figure',
        figure,
      );
      assert.equal(r.code, 0, `${args.join(' ')} --n ${n}: ${r.stderr}`);
      assertFigure(figure, 2, n, `${args[0]} --n ${n}`);
      const files = (n === 1 ? [''] : ['-0000', '-0001']).flatMap((i) => readings.map((v) => `${name}${i}${v}.png`));
      assert.deepEqual(
        readdirSync(dir)
          .filter((f) => f.startsWith(`${name}`) && f !== `${name}-figure.png`)
          .sort(),
        [...files].sort(),
        `${args[0]} --n ${n}: one picture per image and reading`,
      );
      for (const f of files) {
        const bytes = readFileSync(join(dir, f));
        const p = decodePng(bytes);
        assert.deepEqual([p.width, p.height, bytes[25]], [28, 28, 0], `${f}: not a grey picture at the model's size`);
      }
      if (args[0] === 'anagram') {
        // The view's file is the picture's own, turned upside down.
        const [a, b] = [png(join(dir, files[0]!)), png(join(dir, files[1]!))];
        for (let y = 0; y < 28; y++)
          for (let x = 0; x < 28; x++)
            assert.equal(a.data[(y * 28 + x) * 4], b.data[((27 - y) * 28 + 27 - x) * 4], `${files[1]} at ${x},${y}`);
      }
      const what = n * readings.length === 1 ? 'the result' : `${n * readings.length} pictures`;
      assert.match(
        r.stdout,
        new RegExp(`^wrote ${what} at 28x28 to .*${files[0]}.*, the figure to .*${name}-figure\\.png: `),
      );
    }
  }
});

test("inpaint --out hands back the picture at the input's size and channels, the kept pixels the input's own", () => {
  // A grey 41x23 picture with alpha in one corner: kept pixels (outside the box, or black in the mask) come back
  // exactly, the hole is the model's, and the file keeps grey + alpha as RGBA (the alpha is the input's).
  const w = 41,
    h = 23;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      data.set(
        [(x * 5 + y * 3) % 256, (x * 5 + y * 3) % 256, (x * 5 + y * 3) % 256, x < 3 && y < 3 ? 90 : 255],
        (y * w + x) * 4,
      );
  const p = join(dir, 'grey-alpha.png');
  writeFileSync(p, encodePng({ width: w, height: h, data }));
  const opaque = join(dir, 'grey.png');
  writeFileSync(
    opaque,
    encodePng({ width: w, height: h, data: data.map((v, i) => (i % 4 === 3 ? 255 : v)) }, { channels: 1 }),
  );
  const mask = join(dir, 'grey-mask.png');
  const m = new Uint8Array(w * h * 4).fill(255);
  for (let i = 0; i < w * h; i++) if (i % w < 20) m.fill(0, 4 * i, 4 * i + 3);
  writeFileSync(mask, encodePng({ width: w, height: h, data: m }));
  for (const [input, region, channels] of [
    [p, ['--box', '10,10,12,12'], 4],
    [opaque, ['--box', '10,10,12,12'], 1],
    [opaque, ['--mask', mask], 1],
  ] as [string, string[], number][]) {
    const out = join(dir, `inpainted-${channels}-${region[0]!.slice(2)}.png`);
    const r = difflab('edit', 'inpaint', '--model', model, '--image', input, ...region, '--steps', '3', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const bytes = readFileSync(out);
    assert.equal(bytes[25], { 1: 0, 3: 2, 4: 6 }[channels], 'PNG colour type');
    const got = decodePng(bytes),
      want = decodePng(readFileSync(input));
    assert.deepEqual([got.width, got.height], [w, h]);
    let kept = 0,
      changed = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inHole =
          region[0] === '--mask'
            ? x >= 20
            : (() => {
                const [mx, my] = [((x + 0.5) * 28) / w, ((y + 0.5) * 28) / h];
                return mx >= 10 && mx < 22 && my >= 10 && my < 22;
              })();
        const i = (y * w + x) * 4;
        const same = [0, 1, 2, 3].every((k) => got.data[i + k] === want.data[i + k]);
        if (!inHole) {
          assert.ok(
            same,
            `kept pixel ${x},${y} differs: ${got.data.subarray(i, i + 4)} vs ${want.data.subarray(i, i + 4)}`,
          );
          kept++;
        } else if (!same) changed++;
      }
    }
    assert.ok(kept > 0 && changed > 0, `kept ${kept}, changed ${changed}`);
  }
});

test('bad inputs exit non-zero with one line and write nothing', () => {
  const photo = join(dir, 'photo.png');
  const cases: [string[], RegExp][] = [
    [['sample', '--model', join(dir, 'missing.safetensors')], /no such model file/],
    [['sample', '--model', model, '--class', 'Spaceship'], /unknown class 'Spaceship'/],
    [['edit', 'sdedit', '--model', model, '--image', join(dir, 'missing.png')], /missing\.png: cannot read \(ENOENT\)/],
    [
      ['edit', 'sdedit', '--model', model, '--image', join(dir, 'notes.png')],
      /notes\.png: (not a PNG or JPEG file|cannot decode this picture \(not a picture format libvips reads\))/,
    ],
    [
      ['edit', 'inpaint', '--model', model, '--image', photo, '--mask', join(dir, 'small-mask.png')],
      /mask is 20x20, the image is 40x30/,
    ],
    [
      ['edit', 'inpaint', '--model', model, '--image', photo, '--mask', join(dir, 'red-mask.png')],
      /mask must be black and white/,
    ],
    [['edit', 'inpaint', '--model', model, '--image', photo, '--box', '20,20,10,10'], /inside the 28x28 image/],
    [['denoise', '--model', model, '--image', photo, '--t', '5000'], /--t must be <= 1000/],
    [['edit', 'warp', '--model', model], /unknown operation 'warp' \(sdedit\|inpaint\|anagram\|hybrid\)/],
  ];
  for (const [args, message] of cases) {
    const out = join(dir, 'never.png');
    const r = difflab(...args, '--out', out);
    assert.notEqual(r.code, 0, args.join(' '));
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('note: ')); // the resize note may precede
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, message);
    assert.ok(!existsSync(out), `${args.join(' ')} wrote ${out}`);
  }
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('without --steps each sampler runs its own default (the table the help prints): ddpm all T steps, dpmpp-2m 20', () => {
  for (const [sampler, steps] of [
    ['ddpm', 1000],
    ['dpmpp-2m', 20],
    ['ddim', 50],
  ] as const) {
    const r = difflab(
      'sample',
      '--model',
      model,
      '--n',
      '1',
      '--sampler',
      sampler,
      '--out',
      join(dir, `default-${sampler}.png`),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${sampler}, ${steps} steps`));
  }
  assert.match(
    difflab('sample', '--help').stdout,
    /ddpm: T, ddim: 50, euler-maruyama: 500, pc: 500, heun: 18, dpmpp-2m: 20/,
  );
});

test("--variance beta (seed 002's sigma_t^2 = beta_t) samples image models with ddpm; other samplers refuse it", () => {
  const [a, b] = [join(dir, 'posterior.png'), join(dir, 'beta.png')];
  const base = ['sample', '--model', model, '--sampler', 'ddpm', '--steps', '20', '--n', '2', '--scale', '1'];
  assert.equal(difflab(...base, '--out', a).code, 0);
  const r = difflab(...base, '--variance', 'beta', '--out', b);
  assert.equal(r.code, 0, r.stderr);
  assert.notDeepEqual(png(a).data, png(b).data, 'the variance changed nothing');
  const edit = difflab(
    'edit',
    'anagram',
    '--model',
    model,
    '--class-a',
    '0',
    '--class-b',
    '1',
    '--variance',
    'beta',
    '--steps',
    '3',
    '--out',
    b,
  );
  assert.equal(edit.code, 2);
  assert.match(edit.stderr, /--variance applies to the ddpm sampler only, not ddim/);
  const bad = difflab(...base, '--variance', 'wide', '--out', join(dir, 'wide.png'));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--variance must be one of posterior\|beta, got .wide./);
});

test("sampling starts at the model's data Gaussian; --start-at data-mean and zero start at less, as files without them do", () => {
  const [noMean, meanOnly] = [join(dir, 'no-mean.safetensors'), join(dir, 'mean-only.safetensors')];
  const m = loadModel(model);
  assert.ok(m.dataMean && m.dataSpread, 'train stores data.mean and data.spread');
  saveModel(noMean, m.config, m.network.stateDict(), m.step, null);
  saveModel(meanOnly, m.config, m.network.stateDict(), m.step, m.dataMean);
  m.network.dispose();
  const base = ['sample', '--sampler', 'ddpm', '--steps', '20', '--n', '2', '--scale', '1', '--each'];
  const out = (name: string) => join(dir, `${name}.png`);
  const image = (name: string, i: number) => png(join(dir, `${name}-000${i}.png`)).data;
  for (const [name, file, extra] of [
    ['from-data', model, []],
    ['from-mean', model, ['--start-at', 'data-mean']],
    ['from-zero', model, ['--start-at', 'zero']],
    ['mean-file', meanOnly, []],
    ['old-file', noMean, []],
  ] as const) {
    const r = difflab(...base, '--model', file, ...extra, '--out', out(name));
    assert.equal(r.code, 0, r.stderr);
  }
  for (const i of [0, 1]) {
    assert.notDeepEqual(image('from-mean', i), image('from-zero', i), `image ${i}: the start changed nothing`);
    assert.notDeepEqual(image('from-data', i), image('from-mean', i), `image ${i}: the spread changed nothing`);
    assert.deepEqual(image('from-mean', i), image('mean-file', i), `image ${i}`);
    assert.deepEqual(image('from-zero', i), image('old-file', i), `image ${i}`);
  }
  const anagram = ['edit', 'anagram', '--model', model, '--class-a', '0', '--class-b', '1', '--steps', '3'];
  assert.equal(difflab(...anagram, '--start-at', 'zero', '--out', out('anagram-zero')).code, 0);
  const bad = difflab(...base, '--model', model, '--start-at', 'black', '--out', out('bad'));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--start-at must be one of data\|data-mean\|zero, got .black./);
  const sdedit = difflab(
    'edit',
    'sdedit',
    '--model',
    model,
    '--image',
    join(dir, 'photo.png'),
    '--start-at',
    'zero',
    '--out',
    out('sd'),
  );
  assert.equal(sdedit.code, 2, 'SDEdit starts at its picture');
  assert.match(sdedit.stderr, /--start-at/);
  assert.ok(!existsSync(out('bad')));
});
