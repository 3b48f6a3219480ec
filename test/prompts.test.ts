// Prompts reach every job through one place (jobs/condition.ts): typed text on a model that reads text, through
// the library's runJob, the CLI (sample, edit sdedit|inpaint|anagram|hybrid) and the server's request checks;
// negative prompts as guidance's unconditional branch; bad prompts refused in one line, writing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ddim,
  encodePng,
  figureOf,
  generate,
  loadDenoiser,
  setNumThreads,
  runJob,
  tensor,
  tidy,
  type JobSpec,
  type ModelInfo,
} from '../src/index.js';
import { parseJob } from '../src/server/protocol.js';
import { tinyModelFile, tinyTextModelFile } from './editing-helpers.js';
import { difflab, tempDir } from './helpers.js';

setNumThreads(1);
const T = await tinyTextModelFile();
const C = await tinyModelFile(2);
const D = tempDir('difflab-prompts-');
const IMG = join(D, 'in.png');
writeFileSync(IMG, encodePng({ width: 20, height: 16, data: new Uint8Array(20 * 16 * 4).fill(150) }));
const sampling = { sampler: 'ddim', numSteps: 4, eta: 0, seed: 1, guidance: 3 } as const;

test('runJob: a prompt is the same condition as the prompt tokens given to generate, and names the figure', () => {
  const m = loadDenoiser(T);
  tidy(() => {
    const out = runJob(m, { kind: 'generate', count: 2, condition: { prompt: 'red circle' }, ...sampling });
    assert.match(out.summary, /2 images, red circle \(ddim, 4 steps, seed 1, guidance 3\)/);
    assert.deepEqual(out.imageLabels, ['red circle', 'red circle']);
    const direct = generate(m.denoiser, {
      sampler: ddim,
      numSteps: 4,
      count: 2,
      seed: 1,
      imageShape: m.imageShape,
      tokens: tensor(m.tokenizer!.encodeAll(['red circle', 'red circle']), [2, 6]),
      guidance: { scale: 3, nullClass: m.nullClass },
    });
    assert.deepEqual(out.panels[0]!.images.toFloat32Array(), direct.toFloat32Array());
    const other = runJob(m, { kind: 'generate', count: 2, condition: { prompt: 'blue square' }, ...sampling });
    assert.notDeepEqual(other.panels[0]!.images.toFloat32Array(), direct.toFloat32Array());
    // A negative prompt replaces the empty prompt as the unconditional branch: guided samples change.
    const negative = runJob(m, {
      kind: 'generate',
      count: 2,
      condition: { prompt: 'red circle', negativePrompt: 'green' },
      ...sampling,
    });
    assert.notDeepEqual(negative.panels[0]!.images.toFloat32Array(), direct.toFloat32Array());
    // One prompt per image: the labels follow them.
    const each = runJob(m, { kind: 'generate', count: 2, condition: { prompt: ['red', 'blue'] }, ...sampling });
    assert.deepEqual(each.imageLabels, ['red', 'blue']);
  });
  m.network.dispose();
});

test('runJob: every sampling job takes prompts (sdedit, inpaint, anagram, hybrid); unknown and cut words are notes', () => {
  const m = loadDenoiser(T);
  const image = { source: 'in.png', bytes: encodePng({ width: 12, height: 12, data: new Uint8Array(576).fill(90) }) };
  // Each job's summary; an edit's figure title leads with what its columns do not show (prompt, strength, resampling).
  const specs: [JobSpec, RegExp, RegExp?][] = [
    [
      { kind: 'sdedit', image, start: { strength: 0.5 }, condition: { prompt: 'blue circle' }, ...sampling },
      /SDEdit \(strength 0\.5, blue circle\)/,
      /^SDEdit, strength 0\.5, blue circle; ddim, /,
    ],
    [
      {
        kind: 'inpaint',
        image,
        mask: { x: 0, y: 0, w: 6, h: 6 },
        condition: { prompt: 'green square' },
        resampleSteps: 2,
        ...sampling,
      },
      /inpainting, green square, resampling x2/,
      /^inpainting, green square, resampling x2; ddim, /,
    ],
    [
      {
        kind: 'anagram',
        count: 1,
        a: { prompt: 'red circle' },
        b: { prompt: 'blue square' },
        view: 'flip',
        ...sampling,
      },
      /visual anagram: red circle as is \| blue square under flip/,
    ],
    [
      {
        kind: 'hybrid',
        count: 1,
        low: { prompt: 'red' },
        high: { prompt: 'green triangle' },
        blurSigma: 1,
        blurKernel: 5,
        ...sampling,
      },
      /hybrid image: green triangle up close \| red blurred/,
    ],
  ];
  for (const [spec, summary, title] of specs)
    tidy(() => {
      const out = runJob(m, spec);
      assert.match(out.summary, summary);
      if (title) assert.match(figureOf(out).title, title);
    });
  const out = tidy(() => {
    const r = runJob(m, {
      kind: 'generate',
      count: 1,
      condition: { prompt: 'a purple circle of red squares' },
      ...sampling,
    });
    return r.notes;
  });
  assert.ok(
    out.some((n) => /never saw 'purple', 'of' \(read as unknown\)/.test(n)),
    out.join('\n'),
  );
  assert.ok(
    out.some((n) => /longer than the model's 5 words: cut before 'squares'/.test(n)),
    out.join('\n'),
  );
  m.network.dispose();
});

test('runJob: a prompt on a model that reads none is refused naming the model', () => {
  const m = loadDenoiser(C);
  assert.throws(
    () => runJob(m, { kind: 'generate', count: 1, condition: { prompt: 'red apple' }, ...sampling }),
    new RegExp(`${C.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} reads no prompts: it reads 10 classes`),
  );
  m.network.dispose();
});

test('CLI: sample --prompt and --prompts FILE on a text model write the grid; edits take --prompt-a/-b, --prompt-low/-high', () => {
  const out = join(D, 'red.png');
  const r = difflab('sample', '--model', T, '--prompt', 'red circle', '--n', '2', '--steps', '3', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(out));
  const file = join(D, 'prompts.txt');
  writeFileSync(file, 'red circle\n\nblue square\n');
  const grid = join(D, 'grid.png');
  const g = difflab('sample', '--model', T, '--prompts', file, '--n', '2', '--steps', '3', '--out', grid);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /wrote 4 images/);
  const guided = join(D, 'neg.png');
  const n = difflab(
    'sample',
    '--model',
    T,
    '--prompt',
    'red',
    '--negative-prompt',
    'blue',
    '--guidance',
    '3',
    '--n',
    '1',
    '--steps',
    '3',
    '--out',
    guided,
  );
  assert.equal(n.code, 0, n.stderr);
  const unknown = difflab(
    'sample',
    '--model',
    T,
    '--prompt',
    'purple circle',
    '--n',
    '1',
    '--steps',
    '2',
    '--out',
    join(D, 'u.png'),
  );
  assert.equal(unknown.code, 0, unknown.stderr);
  assert.match(unknown.stderr, /note: prompt 'purple circle': the model never saw 'purple'/);
  for (const [args, name] of [
    [['anagram', '--prompt-a', 'red circle', '--prompt-b', 'blue square'], 'anagram.png'],
    [['hybrid', '--prompt-low', 'red', '--class-high', 'x', '--prompt-high', 'blue'], null],
    [['hybrid', '--prompt-low', 'red', '--prompt-high', 'blue square', '--kernel', '5'], 'hybrid.png'],
    [['sdedit', '--image', IMG, '--prompt', 'green', '--strength', '0.5'], 'sdedit.png'],
    [['inpaint', '--image', IMG, '--prompt', 'green', '--box', '0,0,4,4'], 'inpaint.png'],
  ] as [string[], string | null][]) {
    const path = join(D, name ?? 'refused.png');
    const e = difflab('edit', ...args, '--model', T, '--steps', '3', '--out', path);
    if (name === null) {
      assert.equal(e.code, 2, e.stderr);
      assert.match(e.stderr, /give --class-high or --prompt-high, not both/);
      assert.ok(!existsSync(path));
    } else {
      assert.equal(e.code, 0, `${args.join(' ')}: ${e.stderr}`);
      assert.ok(existsSync(path));
    }
  }
});

test('CLI: bad prompts get one line naming the option and write nothing', () => {
  const empty = join(D, 'empty.txt');
  writeFileSync(empty, '\n  \n');
  const cases: [string[], RegExp][] = [
    [['sample', '--model', T, '--prompt', ''], /--prompt is empty/],
    [['sample', '--model', T, '--prompt', '   '], /--prompt is empty/],
    [
      ['sample', '--model', T, '--prompt', 'red \u{1F34E}'],
      /--prompt '.*' is not a letter the model's tokenizer reads/u,
    ],
    [['sample', '--model', T, '--prompt', 'x'.repeat(1001)], /--prompt is longer than 1000 characters/],
    [['sample', '--model', C, '--prompt', 'red apple'], /--prompt: .* reads no prompts \(it reads 10 classes\)/],
    [['sample', '--model', C, '--class', '1', '--negative-prompt', 'red'], /--negative-prompt: .* reads no prompts/],
    [['sample', '--model', T, '--prompts', empty], /--prompts .*: no prompts \(one per line\)/],
    [['sample', '--model', T, '--prompts', join(D, 'none.txt')], /--prompts: cannot read/],
    [['sample', '--model', T, '--prompts', empty, '--prompt', 'red'], /give --prompt or --prompts, not both/],
    [['sample', '--model', T, '--guidance', '3'], /--guidance needs --class, --prompt or --embedding/],
    [
      ['sample', '--model', T, '--compare-guidance', '1,3'],
      /--compare-guidance needs --class, --prompt or --embedding/,
    ],
    [['edit', 'anagram', '--model', T, '--prompt-a', 'red'], /--class-b or --prompt-b is required/],
    [['edit', 'hybrid', '--model', C, '--prompt-low', 'red', '--class-high', '1'], /--prompt-low: .* reads no prompts/],
    [['edit', 'sdedit', '--model', T, '--image', IMG, '--prompt', ''], /--prompt is empty/],
  ];
  for (const [args, message] of cases) {
    const out = join(D, 'bad.png');
    const r = difflab(...args, ...(args[0] === 'sample' ? ['--n', '1'] : []), '--steps', '2', '--out', out);
    const what = args.slice(0, 2).join(' ') + ' ' + args.slice(4).join(' ');
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: ${r.stderr}`);
    assert.ok(!existsSync(out), what);
  }
});

test('server: requests carry prompts (and negative prompts) on a text model; a class-only model refuses them', () => {
  const text: ModelInfo = {
    classNames: [],
    reads: 'text',
    conditioning: 'it reads text prompts',
    examplePrompts: [],
    imageShape: [3, 12, 12],
    schedule: { name: 'cosine', tMin: 1, tMax: 1000, numTimesteps: 1000 },
    trainingSteps: 6,
    precision: 'fp32',
  };
  const classes: ModelInfo = { ...text, classNames: ['a', 'b'], reads: 'none', conditioning: 'it reads 2 classes' };
  const g = parseJob('generate', { prompt: 'red circle', negativePrompt: 'blue', guidance: 3, steps: 4 }, text);
  assert.deepEqual(g.kind === 'generate' && g.condition, { prompt: 'red circle', negativePrompt: 'blue' });
  const a = parseJob('anagram', { promptA: 'red', promptB: 'blue', steps: 4 }, text);
  assert.deepEqual(a.kind === 'anagram' && [a.a, a.b], [{ prompt: 'red' }, { prompt: 'blue' }]);
  const both: ModelInfo = { ...text, classNames: ['a', 'b'], conditioning: 'it reads 2 classes and text prompts' };
  const refusals: [string, Record<string, unknown>, ModelInfo, RegExp][] = [
    [
      'hybrid',
      { promptLow: 'red', classHigh: 'b' },
      classes,
      /'promptLow': the model reads no prompts \(it reads 2 classes\)/,
    ],
    ['generate', { class: 'a', negativePrompt: 'red' }, classes, /'negativePrompt': the model reads no prompts/],
    ['generate', { prompt: '' }, text, /'prompt' is empty/],
    ['generate', { prompt: 7 }, text, /'prompt' must be a string/],
    ['generate', { prompt: 'caf\u00e9 \u2603' }, text, /'prompt' '\u2603' is not a letter/],
    ['anagram', { classA: 'a', promptA: 'red', classB: 'b' }, both, /give 'classA' or 'promptA', not both/],
    ['generate', { guidance: 3 }, text, /'guidance' needs 'class' or 'prompt'/],
    ['generate', { class: 'a' }, text, /'class': the model has no classes \(it reads text prompts\)/],
  ];
  for (const [kind, body, info, message] of refusals) {
    assert.throws(() => parseJob(kind as 'generate', body, info), message, `${kind} ${JSON.stringify(body)}`);
  }
});
