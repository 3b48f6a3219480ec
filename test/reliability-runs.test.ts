// The reliability corpus, outputs and training runs (docs/RELIABILITY.md): a command's files appear together or
// not at all (outputs that cannot be written are refused before the work, a failure while writing removes what
// was written), and a run folder is resumed only as the run it holds: a change of its trajectory needs
// --allow-change and is recorded, a damaged newest checkpoint falls back to the one before with a warning, a run
// that stopped before its first checkpoint starts afresh.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLASSIFIER_PATH, encodePng, writeFileAtomic, writeFilesAtomic } from '../src/index.js';
import { tinyModelFile } from './editing-helpers.js';
import { tempDir } from './helpers.js';
import { mutated, offsetsOf, parseSafetensors, tensorNames, withoutTensors } from './reliability-craft.js';
import {
  cliCases,
  countsMatchDocs,
  faultCases,
  type CliCase,
  type FaultCase,
  type Setup,
} from './reliability-harness.js';

const D = tempDir('difflab-reliability-runs-');
const M = await tinyModelFile(4);
const IMG = join(D, 'in.png');
writeFileSync(IMG, encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).fill(120) }));
const BLOCK = join(D, 'a-file');
writeFileSync(BLOCK, 'not a folder');
const o = (name: string) => join(D, 'out', name);
mkdirSync(join(D, 'out'));
mkdirSync(o('each-0001.png')); // a folder where --each would put its second image
mkdirSync(o('folder.gif'));
const LINKED = join(D, 'linked-out'); // the out folder under another name
symlinkSync(join(D, 'out'), LINKED);

const blocked = (args: string[], option: string, absent: string[]): CliCase => ({
  category: 'outputs',
  args,
  code: 2,
  message: new RegExp(`--${option} .*: .*a-file is a file, not a folder`),
  names: `--${option}`,
  absent,
});
const outputs: CliCase[] = [
  blocked(
    ['sample', '--model', M, '--steps', '1', '--n', '2', '--gif', join(BLOCK, 'x.gif'), '--out', o('ok.png')],
    'gif',
    [o('ok.png')],
  ),
  blocked(
    [
      'sample',
      '--model',
      M,
      '--steps',
      '1',
      '--n',
      '2',
      '--each',
      '--gif',
      join(BLOCK, 'x.gif'),
      '--out',
      o('each.png'),
    ],
    'gif',
    [o('each.png'), o('each-0000.png')],
  ),
  blocked(['sample', '--model', M, '--steps', '1', '--out', join(BLOCK, 'x.png')], 'out', []),
  blocked(
    ['sample', '--model', `gmm:${join(D, 'none.json')}`, '--sampler', 'ddim', '--out', join(BLOCK, 'x.npy')],
    'out',
    [],
  ),
  blocked(['forward', '--image', IMG, '--out', join(BLOCK, 'x.png')], 'out', []),
  blocked(['edit', 'sdedit', '--model', M, '--image', IMG, '--out', join(BLOCK, 'x.png')], 'out', []),
  blocked(['eval', '--model', M, '--classifier', DEFAULT_CLASSIFIER_PATH, '--out', join(BLOCK, 'r.json')], 'out', []),
  blocked(['classifier', 'train', '--data', 'subset', '--out', join(BLOCK, 'c.safetensors')], 'out', []),
  blocked(['demo', '--out', join(BLOCK, 'd.png')], 'out', []),
  {
    category: 'outputs',
    args: ['train', '--data', 'subset', '--out', BLOCK],
    code: 2,
    message: /--out .*a-file is a file, not a folder/,
    names: '--out',
  },
  {
    category: 'outputs',
    args: ['sample', '--model', M, '--steps', '1', '--n', '2', '--gif', o('folder.gif'), '--out', o('g.png')],
    code: 2,
    message: /--gif .*folder\.gif is a folder, not a file/,
    names: '--gif',
    absent: [o('g.png')],
  },
  {
    category: 'outputs',
    args: ['sample', '--model', M, '--steps', '1', '--n', '2', '--each', '--out', o('each.png')],
    code: 1,
    message: /each-0001\.png: cannot write \(it is a folder\)/,
    names: 'each-0001.png',
    absent: [o('each.png'), o('each-0000.png')],
  },
  {
    category: 'outputs',
    args: [
      'sample',
      '--model',
      M,
      '--steps',
      '1',
      '--n',
      '2',
      '--each',
      '--gif',
      o('each.gif'),
      '--out',
      o('each.png'),
    ],
    code: 1,
    message: /each-0001\.png: cannot write/,
    names: 'each-0001.png',
    absent: [o('each.png'), o('each-0000.png'), o('each.gif')],
  },
  // A name of 250 (or 254) bytes is legal; its temporary is cut to fit in 255 bytes, so the write cannot fail on it.
  {
    category: 'outputs',
    args: ['sample', '--model', M, '--steps', '1', '--n', '1', '--out', o(`${'x'.repeat(246)}.png`)],
    code: 0,
    message: /wrote 1 image to/,
    names: `${'x'.repeat(246)}.png`,
    check: () => assert.ok(readFileSync(o(`${'x'.repeat(246)}.png`)).length > 0),
  },
  {
    category: 'outputs',
    args: ['forward', '--image', IMG, '--out', o(`${'é'.repeat(125)}.png`)],
    code: 0,
    message: /wrote/,
    names: `${'é'.repeat(125)}.png`,
    check: () => assert.ok(readFileSync(o(`${'é'.repeat(125)}.png`)).length > 0),
  },
  // Two outputs of one command on one file: refused before the work, by name or through a linked folder.
  {
    category: 'outputs',
    args: ['denoise', '--model', M, '--image', IMG, '--strip', o('same.png'), '--out', o('same.png')],
    code: 2,
    message: /--strip .*same\.png is also --out's file/,
    names: '--strip',
    absent: [o('same.png')],
  },
  {
    category: 'outputs',
    args: ['denoise', '--model', M, '--image', IMG, '--strip', join(LINKED, 'same.png'), '--out', o('./same.png')],
    code: 2,
    message: /--strip .*same\.png is also --out's file/,
    names: '--strip',
    absent: [o('same.png')],
  },
];
const faults: FaultCase[] = [
  {
    category: 'outputs',
    name: 'writeFilesAtomic: one path twice',
    run: () =>
      writeFilesAtomic([
        { path: o('twice.png'), data: 'a' },
        { path: join(D, 'out', '.', 'twice.png'), data: 'b' },
      ]),
    message: /twice\.png: given twice as an output/,
    names: 'twice.png',
    absent: [o('twice.png')],
  },
  {
    category: 'outputs',
    name: 'writeFilesAtomic: the second file under a file',
    run: () =>
      writeFilesAtomic([
        { path: o('w1.png'), data: 'a' },
        { path: join(BLOCK, 'w2.png'), data: 'b' },
      ]),
    message: /a-file\/w2\.png: cannot write \(a part of its path is a file\)/,
    names: 'w2.png',
    absent: [o('w1.png')],
  },
  {
    category: 'outputs',
    name: 'writeFilesAtomic: the last target is a folder',
    run: () =>
      writeFilesAtomic([
        { path: o('w3.png'), data: 'a' },
        { path: o('w4.png'), data: 'b' },
        { path: o('folder.gif'), data: 'c' },
      ]),
    message: /folder\.gif: cannot write \(it is a folder\)/,
    names: 'folder.gif',
    absent: [o('w3.png'), o('w4.png')],
  },
  {
    category: 'outputs',
    name: 'writeFileAtomic under a file',
    run: () => writeFileAtomic(join(BLOCK, 'x.png'), 'x'),
    message: /cannot write \(a part of its path is a file\)/,
    names: 'x.png',
  },
  {
    category: 'outputs',
    name: 'writeFileAtomic onto a folder',
    run: () => writeFileAtomic(o('folder.gif'), 'x'),
    message: /folder\.gif: cannot write \(it is a folder\)/,
    names: 'folder.gif',
  },
];

// ----- runs ---------------------------------------------------------------------------------------------
const R = join(D, 'run');
const base = [
  'train',
  '--data',
  'subset',
  '--preset',
  'tiny',
  '--steps',
  '4',
  '--batch',
  '4',
  '--checkpoint-every',
  '2',
  '--sample-every',
  '0',
  '--precision',
  'fp32',
];
const run = (name: string) => join(D, name);
const checkpoint = (dir: string, step: number) =>
  join(dir, 'checkpoints', `step-${String(step).padStart(8, '0')}.safetensors`);
const frozen = [join(R, 'config.json'), checkpoint(R, 2), checkpoint(R, 4), join(R, 'loss.csv')];
const copy = (name: string, damage?: (dir: string) => void) => {
  cpSync(R, run(name), { recursive: true });
  damage?.(run(name));
};
const rewrite = (path: string, edit: (bytes: Buffer) => Buffer) => writeFileSync(path, edit(readFileSync(path)));
const historyOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).history as unknown;

/** A resume of R with changed settings: refused, naming the option, the run untouched. */
const refusedResume = (
  args: string[],
  option: string,
  message = /that changes its trajectory \(pass --allow-change/,
): CliCase => ({
  category: 'runs',
  args: [...base, '--out', R, '--resume', ...args],
  code: 2,
  message,
  names: option,
  unchanged: frozen,
});

const setup: Setup = {
  setup: 'a 4-step run with checkpoints at steps 2 and 4',
  args: [...base, '--out', R],
  then: () => {
    copy('allow');
    copy('grow');
    copy('damaged', (d) => rewrite(checkpoint(d, 4), (b) => b.subarray(0, b.length - 1000)));
    copy('all-damaged', (d) => {
      for (const s of [2, 4]) rewrite(checkpoint(d, s), (b) => b.subarray(0, 100));
    });
    copy('nan', (d) =>
      rewrite(checkpoint(d, 4), (b) =>
        mutated(parseSafetensors(b), (m) =>
          m.data.writeFloatLE(
            NaN,
            offsetsOf(
              m,
              tensorNames(m).find((n) => n.startsWith('ema.'))!,
            )[0],
          ),
        ),
      ),
    );
    copy('incomplete', (d) =>
      rewrite(checkpoint(d, 4), (b) => withoutTensors(parseSafetensors(b), (n) => n.startsWith('adam.v.'))),
    );
    copy('wrong-format', (d) =>
      rewrite(checkpoint(d, 4), (b) =>
        mutated(parseSafetensors(b), (m) => {
          m.header.__metadata__!.format = 'difflab-model-1';
        }),
      ),
    );
    copy('bad-step', (d) =>
      rewrite(checkpoint(d, 4), (b) =>
        mutated(parseSafetensors(b), (m) => {
          m.header.__metadata__!.imagesSeen = 'lots';
        }),
      ),
    );
    // A run written before noise levels were a setting (they were drawn uniformly): no noiseLevels anywhere.
    copy('predates', (d) => {
      const forget = (json: string) => JSON.stringify({ ...JSON.parse(json), noiseLevels: undefined });
      writeFileSync(join(d, 'config.json'), forget(readFileSync(join(d, 'config.json'), 'utf8')));
      for (const step of [2, 4])
        rewrite(checkpoint(d, step), (b) =>
          mutated(parseSafetensors(b), (m) => {
            m.header.__metadata__!.config = forget(String(m.header.__metadata__!.config));
          }),
        );
    });
    for (const name of ['restart', 'restart-resume'])
      copy(name, (d) => {
        rmSync(join(d, 'checkpoints'), { recursive: true });
        rmSync(join(d, 'model.safetensors'));
      });
  },
};
const trajectory: [string[], string][] = [
  [['--lr', '0.002'], '--lr'],
  [['--lr-decay', 'constant'], '--lr-decay'],
  [['--lr-final', '0.5'], '--lr-final'],
  [['--warmup', '1'], '--warmup'],
  [['--ema-half-life', '500'], '--ema-half-life'],
  [['--hflip'], '--hflip'],
  [['--grad-clip', '0.5'], '--grad-clip'],
  [['--weight-decay', '0.01'], '--weight-decay'],
  [['--seed', '3'], '--seed'],
  [['--batch', '8'], '--batch'],
  [['--schedule', 'cosine'], '--schedule'],
  [['--prediction', 'v'], '--prediction'],
  [['--min-snr', '5'], '--min-snr'],
  [['--objective', 'x0'], '--objective'],
  [['--noise-levels', 'lognormal'], '--noise-levels'],
  [['--prediction', 'edm'], '--prediction'],
  [['--steps', '6', '--lr', '0.002'], '--lr'],
];
const runs: CliCase[] = [
  ...trajectory.map(([args, option]) => refusedResume(args, option)),
  refusedResume(['--classes'], '--resume', /that is another run \(choose another --out\)/),
  refusedResume(['--steps', '2'], '--steps', /--steps 2 is below the step of .*'s checkpoint \(4\)/),
  refusedResume(['--steps', '1'], '--steps', /--steps 1 is below the step/),
  {
    category: 'runs',
    args: [...base, '--out', R],
    code: 2,
    message: /already holds a run: pass --resume to continue it/,
    names: R,
    unchanged: frozen,
  },
  {
    category: 'runs',
    args: [...base, '--out', run('allow'), '--resume', '--lr', '0.002', '--allow-change'],
    code: 0,
    message: /finished at step 4/,
    names: run('allow'),
    check: () => assert.deepEqual(historyOf(run('allow')), [{ step: 4, changed: { lr: { from: 0.001, to: 0.002 } } }]),
  },
  {
    category: 'runs',
    args: [...base, '--steps', '6', '--out', run('grow'), '--resume'],
    code: 0,
    message: /finished at step 6/,
    names: run('grow'),
    check: () => assert.deepEqual(historyOf(run('grow')), [{ step: 4, changed: { steps: { from: 4, to: 6 } } }]),
  },
  {
    category: 'runs',
    args: [...base, '--steps', '6', '--out', run('predates'), '--resume'],
    code: 0,
    message: /finished at step 6/,
    names: run('predates'),
    check: () => assert.deepEqual(historyOf(run('predates')), [{ step: 4, changed: { steps: { from: 4, to: 6 } } }]),
  },
  {
    category: 'runs',
    args: [...base, '--out', run('damaged'), '--resume'],
    code: 0,
    message:
      /warning: .*step-00000004\.safetensors: not a valid safetensors file .*; resuming from the checkpoint before it/,
    names: 'step-00000004.safetensors',
  },
  {
    category: 'runs',
    args: [...base, '--out', run('nan'), '--resume'],
    code: 0,
    message: /warning: .*step-00000004\.safetensors: tensor ema\.\S+ holds non-finite values/,
    names: 'step-00000004',
  },
  {
    category: 'runs',
    args: [...base, '--out', run('incomplete'), '--resume'],
    code: 0,
    message: /warning: .*step-00000004\.safetensors: incomplete checkpoint/,
    names: 'step-00000004',
  },
  {
    category: 'runs',
    args: [...base, '--out', run('wrong-format'), '--resume'],
    code: 0,
    message: /warning: .*not a difflab training checkpoint/,
    names: 'step-00000004',
  },
  {
    category: 'runs',
    args: [...base, '--out', run('bad-step'), '--resume'],
    code: 0,
    message: /warning: .*metadata 'imagesSeen' must be a non-negative integer/,
    names: 'step-00000004',
  },
  {
    category: 'runs',
    args: [...base, '--out', run('all-damaged'), '--resume'],
    code: 1,
    message: /cannot resume .*all-damaged: none of its checkpoints loads/,
    names: run('all-damaged'),
  },
  {
    category: 'runs',
    args: [...base, '--out', run('restart')],
    code: 0,
    message: /note: .*restart holds a run that stopped before its first checkpoint; starting it afresh/,
    names: run('restart'),
  },
  {
    category: 'runs',
    args: [...base, '--out', run('restart-resume'), '--resume'],
    code: 2,
    message: /--resume: .*has no checkpoint to resume from \(run without --resume/,
    names: '--resume',
  },
];

cliCases([...outputs, setup, ...runs]);
faultCases(faults);
countsMatchDocs([...outputs, ...faults, ...runs].map((c) => c.category));
