// The reliability corpus, training folders (docs/RELIABILITY.md): a dataset linked into place (pictures and class
// folders that are symbolic links) is read; a dangling link, a loop and a class with no pictures are refused in
// one line naming them, at the top level and in class folders alike, before a run folder is written.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../src/index.js';
import { cliCases, countsMatchDocs, type CliCase } from './reliability-harness.js';
import { tempDir } from './helpers.js';

const D = tempDir('difflab-reliability-folders-');
const picture = encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(200) });
/** A folder made of entries: a string is a picture file's name, [name, target] a link, {name: [...]} a folder. */
type Entry = string | [string, string] | { [name: string]: Entry[] };
function make(dir: string, entries: Entry[]): string {
  mkdirSync(dir, { recursive: true });
  for (const e of entries) {
    if (typeof e === 'string') writeFileSync(join(dir, e), picture);
    else if (Array.isArray(e)) symlinkSync(e[1], join(dir, e[0]));
    else for (const [name, inner] of Object.entries(e)) make(join(dir, name), inner);
  }
  return dir;
}
const store = make(join(D, 'store'), ['p1.png', 'p2.png', { cats: ['c1.png', 'c2.png'] }, { dogs: ['d1.png'] }]);
const folder = (name: string, entries: Entry[]) => make(join(D, name), entries);
const train = (dir: string, ...more: string[]) => [
  'train',
  '--data',
  `folder:${dir}`,
  '--size',
  '8',
  '--preset',
  'tiny',
  ...more,
  '--out',
  join(D, 'runs', dir.split('/').pop()!),
];
const refused = (dir: string, more: string[], message: RegExp, names: string, code: 1 | 2 = 1): CliCase => ({
  category: 'folders',
  args: train(dir, ...more),
  code,
  message,
  names,
  absent: [join(D, 'runs', dir.split('/').pop()!)],
});

const linkedPictures = folder('linked-pictures', [
  ['a.png', join(store, 'p1.png')],
  ['b.png', join(store, 'p2.png')],
]);
const linkedClasses = folder('linked-classes', [
  ['cats', join(store, 'cats')],
  ['dogs', join(store, 'dogs')],
]);
const mixedLinks = folder('mixed-links', [{ cats: [['c1.png', join(store, 'cats', 'c1.png')], 'own.png'] }]);

const cases: CliCase[] = [
  {
    category: 'folders',
    args: train(linkedPictures, '--dry-run'),
    code: 0,
    message: /"dataImages": 2/,
    names: linkedPictures,
  },
  {
    category: 'folders',
    args: train(linkedClasses, '--classes', '--dry-run'),
    code: 0,
    message: /"classNames": \[\s*"cats",\s*"dogs"\s*\][\s\S]*"dataImages": 3/,
    names: 'cats',
  },
  {
    category: 'folders',
    args: train(mixedLinks, '--dry-run'),
    code: 0,
    message: /"dataImages": 2/,
    names: mixedLinks,
  },
  refused(
    folder('dangling-top', ['a.png', ['gone.png', join(D, 'nowhere.png')]]),
    [],
    /gone\.png is a link to .*nowhere\.png, which does not exist/,
    'gone.png',
  ),
  refused(
    folder('dangling-class', [{ cats: ['a.png', ['gone.png', join(D, 'nowhere.png')]] }]),
    ['--classes'],
    /cats\/gone\.png is a link to .*nowhere\.png, which does not exist/,
    'gone.png',
  ),
  refused(
    folder('dangling-class-folder', [{ cats: ['a.png'] }, ['dogs', join(D, 'no-such-folder')]]),
    ['--classes'],
    /dogs is a link to .*no-such-folder, which does not exist/,
    'dogs',
  ),
  refused(
    folder('loop-parent', [{ cats: ['a.png'] }, ['again', '.']]),
    ['--classes'],
    /again is a link back to .* \(a loop\)/,
    'again',
  ),
  refused(
    folder('loop-links', ['a.png', ['x.png', 'y.png'], ['y.png', 'x.png']]),
    [],
    /x\.png is a link that loops/,
    'x.png',
  ),
  refused(
    folder('empty-class', [{ cats: ['a.png'] }, { dogs: [] }]),
    ['--classes'],
    /--classes: class 'dogs' of folder:.*empty-class has no pictures \(it would be trained on nothing\)/,
    'dogs',
    2,
  ),
  refused(
    folder('unreadable-class', [{ cats: ['a.png'] }, { dogs: ['notes.txt'] }]),
    ['--classes', '--bad-files', 'skip'],
    /--classes: class 'dogs' .* has no pictures/,
    'dogs',
    2,
  ),
];
// The network against the data before anything is written: a size the network cannot halve is refused naming --size.
const plain = folder('plain', ['a.png', 'b.png']);
const architectures: CliCase[] = (
  [
    ['tiny', '29', 'once', 2, '28 or 30'],
    ['default', '30', 'twice', 4, '28 or 32'],
    ['classicUNet', '6', 'twice', 4, '4 or 8'],
  ] as const
).map(([preset, size, halves, factor, near]) => ({
  category: 'architectures',
  args: ['train', '--data', `folder:${plain}`, '--size', size, '--preset', preset, '--out', join(D, 'runs', preset)],
  code: 2,
  message: new RegExp(
    `--size ${size}: the ${preset} network halves the image ${halves}, so its size must be a multiple of ${factor} \\(e\\.g\\. ${near}\\)$`,
  ),
  names: '--size',
  absent: [join(D, 'runs', preset)],
}));
architectures.push({ ...architectures[0]!, args: [...architectures[0]!.args, '--dry-run'] });

// The last case's only picture is there but unreadable, and skipped: its class is then empty.
writeFileSync(join(D, 'unreadable-class', 'dogs', 'broken.png'), 'not a picture');

cliCases([...cases, ...architectures]);
countsMatchDocs([...cases, ...architectures].map((c) => c.category));
