// The reliability corpus, command lines (docs/RELIABILITY.md): every option's range and form, the combinations
// that would silently ignore an option, and requests too large for this machine, refused before any work with
// exit 2 and one line naming the option, their outputs never written.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLASSIFIER_PATH, encodePng } from '../src/index.js';
import { tinyModelFile } from './editing-helpers.js';
import { tempDir } from './helpers.js';
import { cliCases, countsMatchDocs, type Category, type CliCase } from './reliability-harness.js';

const D = tempDir('difflab-reliability-cli-');
const M = await tinyModelFile(4);
const IMG = join(D, 'in.png');
writeFileSync(IMG, encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).fill(200) }));
const MIX = join(D, 'mixture.json');
writeFileSync(
  MIX,
  JSON.stringify({
    weights: [0.5, 0.5],
    means: [
      [-2, 0],
      [2, 1],
    ],
    stds: [0.5, 0.7],
  }),
);
const MISSING = join(D, 'missing.png');
const FOLDER = join(D, 'folder.png');
mkdirSync(FOLDER);

/** A command line refused with exit 2; the files it names after --out and --gif must not appear. */
function refused(category: Category, args: string[], message: RegExp, names: string): CliCase {
  const outputs = args
    .flatMap((a, i) => (a === '--out' || a === '--gif' ? [args[i + 1]!] : []))
    .filter((p) => !existsSync(p));
  return { category, args, code: 2, message, names, absent: outputs };
}
/** Cases sharing a command prefix: [extra args, message, the option named]. */
const group = (category: Category, base: string[], rows: [string[], RegExp, string][]) =>
  rows.map(([args, message, names]) => refused(category, [...base, ...args], message, names));

const sample = ['sample', '--model', M, '--out', join(D, 'sample.png')];
const gmm = ['sample', '--model', `gmm:${MIX}`, '--out', join(D, 'gmm.npy')];
const sdedit = ['edit', 'sdedit', '--model', M, '--image', IMG, '--out', join(D, 'sdedit.png')];
const inpaint = ['edit', 'inpaint', '--model', M, '--image', IMG, '--out', join(D, 'inpaint.png')];
const denoise = ['denoise', '--model', M, '--image', IMG, '--out', join(D, 'denoised.png')];
const anagram = ['edit', 'anagram', '--model', M, '--class-a', '0', '--class-b', '1', '--out', join(D, 'anagram.png')];
const hybrid = [
  'edit',
  'hybrid',
  '--model',
  M,
  '--class-low',
  '0',
  '--class-high',
  '1',
  '--out',
  join(D, 'hybrid.png'),
];
const forward = ['forward', '--image', IMG, '--out', join(D, 'forward.png')];
const train = ['train', '--data', 'subset', '--preset', 'tiny', '--out', join(D, 'run')];
const evalModel = ['eval', '--model', M, '--classifier', DEFAULT_CLASSIFIER_PATH, '--out', join(D, 'report.json')];
const classifier = ['classifier', 'train', '--data', 'subset', '--out', join(D, 'classifier.safetensors')];

const range = (name: string) => new RegExp(`--${name} must be (>=|>|<=|an integer|a number|one of)`);

const options: CliCase[] = [
  refused('options', ['smaple'], /unknown command 'smaple'/, 'smaple'),
  refused(
    'options',
    ['sample', '--model', M, '--out', join(D, 'x.png'), 'extra'],
    /unexpected argument 'extra'/,
    'extra',
  ),
  refused(
    'options',
    ['sample', '--model', M, '--out', join(D, 'x.png'), '--colour', 'red'],
    /Unknown option '--colour'/,
    '--colour',
  ),
  refused('options', ['sample', '--model', M, '--out', join(D, 'x.png'), '--n'], /--n.*argument missing/, '--n'),
  refused(
    'options',
    ['sample', '--model', M, '--out', join(D, 'x.png'), '--n', '-3'],
    /--n got a value starting with '-': write it as --n=VALUE/,
    '--n',
  ),
  ...group('options', sample, [
    [['--n', '0'], range('n'), '--n'],
    [['--n=-3'], range('n'), '--n'],
    [['--n', '2.5'], /--n must be an integer/, '--n'],
    [['--n', 'abc'], /--n must be a number/, '--n'],
    [['--n', ''], /--n must be a number/, '--n'],
    [['--n', '1e400'], /--n must be a number/, '--n'],
    [['--n', '0x10'], /--n must be (a number|an integer)|--n must be >= 1/, '--n'],
    [['--steps', '0'], range('steps'), '--steps'],
    [['--steps', '1001'], /--steps must be <= 1000/, '--steps'],
    [['--steps', '1.5'], range('steps'), '--steps'],
    [['--eta', '2'], /--eta must be <= 1/, '--eta'],
    [['--eta=-1'], range('eta'), '--eta'],
    [['--seed=-1'], range('seed'), '--seed'],
    [['--seed', '1e20'], /--seed must be <= /, '--seed'],
    [['--seed', '0.5'], range('seed'), '--seed'],
    [['--class', '0', '--guidance=-1'], range('guidance'), '--guidance'],
    [['--class', '0', '--guidance', '1e300'], /--guidance must be <= 100/, '--guidance'],
    [['--class', '0', '--guidance', 'NaN'], /--guidance must be a number/, '--guidance'],
    [['--sampler', 'euler'], /--sampler must be one of/, '--sampler'],
    [['--sampler', ''], /--sampler must not be empty/, '--sampler'],
    [['--class', 'Spaceship'], /--class: unknown class 'Spaceship'/, '--class'],
    [['--class', '10'], /--class: unknown class '10'/, '--class'],
    [['--class=-1'], /--class: unknown class/, '--class'],
    [['--nrow', '0'], range('nrow'), '--nrow'],
    [['--nrow', '17'], /--nrow must be <= 16/, '--nrow'],
    [['--n', '4', '--nrow', '1e9'], /--nrow must be <= 4/, '--nrow'],
    [['--gif', join(D, 'a.gif'), '--frames', 'zz'], /--frames must be one of/, '--frames'],
    [
      ['--class', '0', '--compare-guidance', '1,,3'],
      /--compare-guidance must be a comma-separated list/,
      '--compare-guidance',
    ],
    [
      ['--class', '0', '--compare-guidance', '1,200'],
      /--compare-guidance: scales must be in \[0, 100\]/,
      '--compare-guidance',
    ],
    [['--precision', 'fp8'], /--precision must be one of/, '--precision'],
    [['--gif', join(D, 'a.png')], /--gif must name a \.gif file/, '--gif'],
    [['--out', join(D, 'x.jpg')], /--out must name a \.png file/, '--out'],
    [['--out', ''], /--out must not be empty/, '--out'],
    [['--model', ''], /--model must not be empty/, '--model'],
    [['--out', FOLDER], /--out .* is a folder, not a file/, '--out'],
    [['--out', join(IMG, 'x.png')], /is a file, not a folder/, '--out'],
  ]),
  ...group('options', gmm, [
    [['--sampler', 'ddim', '--n', '0'], range('n'), '--n'],
    [['--sampler', 'heun', '--steps', '0'], range('steps'), '--steps'],
    [['--sampler', 'heun', '--steps', '20000'], /--steps must be <= 10000/, '--steps'],
    [['--sampler', 'ddim', '--steps', '1001'], /--steps must be <= 1000/, '--steps'],
    [['--n', '5'], /missing required option --sampler/, '--sampler'],
    [['--sampler', 'ddim', '--schedule', 'zz'], /--schedule must be one of/, '--schedule'],
    [['--sampler', 'ddim', '--spacing', 'zz'], /--spacing must be one of/, '--spacing'],
    [['--sampler', 'ddpm', '--variance', 'zz'], /--variance must be one of/, '--variance'],
    [['--sampler', 'ddim', '--class', '1.5'], /--class must be an integer/, '--class'],
    [['--sampler', 'ddim', '--class', '7'], /--class 7: the mixture's classes are 0, 1/, '--class'],
    [['--sampler', 'ddim', '--seed=-2'], range('seed'), '--seed'],
    [['--sampler', 'ddim', '--out', join(D, 'g.png')], /--out must name a \.npy file/, '--out'],
    [['--sampler', 'ddim', '--class', '0', '--guidance', '500'], /--guidance must be <= 100/, '--guidance'],
    [['--sampler', 'ddim', '--eta', '1.5'], /--eta must be <= 1/, '--eta'],
  ]),
  refused(
    'options',
    ['sample', '--model', `gmm:${join(D, 'none.json')}`, '--sampler', 'ddim', '--out', join(D, 'g.npy')],
    /cannot read mixture file/,
    'none.json',
  ),
  refused('options', ['edit', '--model', M, '--out', join(D, 'e.png')], /edit needs one operation/, 'sdedit|inpaint'),
  refused('options', ['edit', 'blur', '--model', M, '--out', join(D, 'e.png')], /unknown operation 'blur'/, 'blur'),
  refused(
    'options',
    ['edit', 'sdedit', 'inpaint', '--model', M, '--out', join(D, 'e.png')],
    /unexpected argument 'inpaint'/,
    'inpaint',
  ),
  ...group('options', sdedit, [
    [['--strength', '2'], /--strength must be <= 1/, '--strength'],
    [['--strength=-0.1'], range('strength'), '--strength'],
    [['--strength', 'half'], /--strength must be a number/, '--strength'],
    [['--start-step', '51'], /--start-step must be <= 50/, '--start-step'],
    [['--start-step=-1'], range('start-step'), '--start-step'],
    [['--start-step', '2.5'], range('start-step'), '--start-step'],
    [['--steps', '10', '--sweep', '1,x'], /--sweep must be a comma-separated list/, '--sweep'],
    [['--steps', '10', '--sweep', '1,11'], /--sweep: start steps must be integers in \[0, 10\]/, '--sweep'],
    [['--steps', '10', '--sweep', '3,3'], /--sweep lists a start step twice/, '--sweep'],
    [['--sweep', ''], /--sweep must be a comma-separated list/, '--sweep'],
    [['--steps', '10', '--sweep', '1.5'], /--sweep: start steps must be integers/, '--sweep'],
    [['--image', ''], /--image must not be empty/, '--image'],
    [['--class', 'Spaceship'], /--class: unknown class/, '--class'],
    [['--sampler', 'ddpm', '--steps', '2000'], /--steps must be <= 1000/, '--steps'],
  ]),
  refused(
    'options',
    ['edit', 'sdedit', '--model', M, '--out', join(D, 'e.png')],
    /missing required option --image/,
    '--image',
  ),
  refused('options', ['edit', 'sdedit', '--model', M, '--image', IMG], /missing required option --out/, '--out'),
  {
    category: 'options',
    args: [...sdedit.slice(0, 4), '--image', MISSING, '--out', join(D, 'e2.png')],
    code: 1,
    message: /cannot read \(ENOENT\)/,
    names: MISSING,
    absent: [join(D, 'e2.png')],
  },
  ...group('options', inpaint, [
    [['--box', '1,2,3'], /--box takes 4 numbers/, '--box'],
    [['--box', '1,2,3,4,5'], /--box takes 4 numbers x,y,w,h, got 5/, '--box'],
    [['--box', '0,0,0,5'], /--box 0,0,0,5: x,y,w,h must be integers inside the 28x28 image/, '--box'],
    [['--box', '20,20,10,10'], /--box 20,20,10,10: .* inside the 28x28 image/, '--box'],
    [['--box', '1.5,0,2,2'], /--box .*must be integers/, '--box'],
    [['--box=-1,0,2,2'], /--box .*inside/, '--box'],
    [['--box', 'a,b,c,d'], /--box must be a comma-separated list/, '--box'],
    [['--box', '1,1,4,4', '--resample', '0'], range('resample'), '--resample'],
    [['--box', '1,1,4,4', '--resample', '101'], /--resample must be <= 100/, '--resample'],
    [['--box', '1,1,4,4', '--resample', '2.5'], range('resample'), '--resample'],
  ]),
  ...group('options', denoise, [
    [['--kernel', '4'], /--kernel must be odd, got 4/, '--kernel'],
    [['--t', '5000'], /--t must be <= 1000/, '--t'],
    [['--sampler', 'zz'], /--sampler must be one of/, '--sampler'],
    [['--blur-sigma', '0'], /--blur-sigma must be >= 0\.001/, '--blur-sigma'],
    [['--steps', '0'], range('steps'), '--steps'],
  ]),
  ...group('options', anagram, [
    [['--view', 'zz'], /--view must be one of/, '--view'],
    [['--n', '0'], range('n'), '--n'],
    [['--n', 'two'], /--n must be a number/, '--n'],
    [['--class-b', 'Spaceship'], /--class-b: unknown class/, '--class-b'],
  ]),
  refused(
    'options',
    ['edit', 'anagram', '--model', M, '--class-b', '1', '--out', join(D, 'a.png')],
    /missing required option --class-a/,
    '--class-a',
  ),
  ...group('options', hybrid, [
    [['--kernel', '8'], /--kernel must be odd, got 8/, '--kernel'],
    [['--kernel', '0'], range('kernel'), '--kernel'],
    [['--kernel', '2001'], /--kernel must be <= 1025/, '--kernel'],
    [['--sigma', '0'], range('sigma'), '--sigma'],
    [['--sigma', '1e9'], /--sigma must be <= 1000/, '--sigma'],
    [['--class-high', '99'], /--class-high: unknown class/, '--class-high'],
  ]),
  ...group('options', forward, [
    [['--t', ''], /--t must be a comma-separated list/, '--t'],
    [['--t', '0,,5'], /--t must be a comma-separated list/, '--t'],
    [['--t=-1'], /--t -1 is outside/, '--t'],
    [['--t', '5000'], /--t 5000 is outside \[0, 1000\] of the linear schedule/, '--t'],
    [['--t', 'abc'], /--t must be/, '--t'],
    [['--size', '3'], range('size'), '--size'],
    [['--size', '100000'], /--size must be <= 4096/, '--size'],
    [['--size', '4.5'], range('size'), '--size'],
    [['--schedule', 'zz'], /--schedule must be one of/, '--schedule'],
    [['--seed=-1'], range('seed'), '--seed'],
    [['--image', ''], /--image must not be empty/, '--image'],
    [['--schedule', 've', '--t', '2'], /--t 2 is outside \[0, 1\]/, '--t'],
  ]),
  {
    category: 'options',
    args: ['forward', '--image', MISSING, '--out', join(D, 'f2.png')],
    code: 1,
    message: /cannot read \(ENOENT\)/,
    names: MISSING,
    absent: [join(D, 'f2.png')],
  },
  ...group('options', train, [
    [['--batch', '0'], range('batch'), '--batch'],
    [['--steps', '0'], range('steps'), '--steps'],
    [['--epochs', '0'], /--epochs must be > 0/, '--epochs'],
    [['--epochs=-1'], /--epochs must be > 0/, '--epochs'],
    [['--lr', '0'], /--lr must be > 0/, '--lr'],
    [['--lr', 'fast'], /--lr must be a number/, '--lr'],
    [['--warmup=-1'], range('warmup'), '--warmup'],
    [['--lr-decay', 'linear'], /--lr-decay must be one of/, '--lr-decay'],
    [['--lr-final', '0'], /--lr-final must be > 0/, '--lr-final'],
    [['--lr-final', '2'], /--lr-final must be <= 1/, '--lr-final'],
    [['--weight-decay=-1'], range('weight-decay'), '--weight-decay'],
    [['--grad-clip', '0'], /--grad-clip must be > 0/, '--grad-clip'],
    [['--ema-half-life', '0'], range('ema-half-life'), '--ema-half-life'],
    [['--task', 'zz'], /--task must be one of/, '--task'],
    [['--task', 'denoise', '--denoise-sigma', '0'], /--denoise-sigma must be > 0/, '--denoise-sigma'],
    [['--prediction', 'zz'], /--prediction must be one of/, '--prediction'],
    [['--objective', 'zz'], /--objective must be one of/, '--objective'],
    [['--min-snr', '0'], /--min-snr must be > 0/, '--min-snr'],
    [['--schedule', 'zigzag'], /--schedule must be one of/, '--schedule'],
    [['--seed=-1'], range('seed'), '--seed'],
    [['--seed', '1e20'], /--seed must be <= /, '--seed'],
    [['--checkpoint-every', '0'], range('checkpoint-every'), '--checkpoint-every'],
    [['--keep-last', '0'], range('keep-last'), '--keep-last'],
    [['--sample-every=-1'], range('sample-every'), '--sample-every'],
    [['--nproc', '0'], range('nproc'), '--nproc'],
    [['--nproc', '2000'], /--nproc must be <= 1024/, '--nproc'],
    [['--data', 'zz'], /--data: unknown data source 'zz'/, '--data'],
    [['--data', 'folder:'], /--data: data 'folder:': give a folder/, '--data'],
    [['--data', 'subset:x'], /--data: data 'subset:x': subset takes no folder/, '--data'],
    [['--channels', '2'], /--channels must be one of 1\|3/, '--channels'],
    [['--size', '2'], range('size'), '--size'],
    [['--size', '5000'], /--size must be <= 1024/, '--size'],
    [['--bad-files', 'zz'], /--bad-files must be one of/, '--bad-files'],
    [['--out', ''], /--out must not be empty/, '--out'],
    [['--out', IMG], /--out .* is a file, not a folder/, '--out'],
    [['--preset', 'huge'], /--preset must be one of/, '--preset'],
    [['--noise-levels', 'zz'], /--noise-levels must be one of uniform\|lognormal/, '--noise-levels'],
    [['--width', '30'], /--width must be a multiple of 4 \(the GroupNorm groups\)/, '--width'],
    [['--width', '2'], /--width must be >= 4/, '--width'],
    [['--attention', '3'], /--attention: levels are 0\.\.1 \(or none\), got 3/, '--attention'],
    [['--attention', 'middle'], /--attention/, '--attention'],
    [['--preset', 'scoreUNet', '--width', '48'], /--width applies to the U-Net presets and the seed U-Nets/, '--width'],
    [['--preset', 'classicUNet', '--attention', '1'], /--attention applies to the U-Net presets/, '--attention'],
  ]),
  {
    category: 'options',
    args: ['train', '--data', 'subset', '--out', join(D, 'run'), '--init', join(D, 'none.safetensors')],
    code: 1,
    message: /--init: .* no such model file/,
    names: 'none.safetensors',
    absent: [join(D, 'run')],
  },
  ...group('options', evalModel, [
    [['--n', '1'], range('n'), '--n'],
    [['--kid-subsets', '0'], range('kid-subsets'), '--kid-subsets'],
    [['--kid-subsets', '1e6'], /--kid-subsets must be <= 10000/, '--kid-subsets'],
    [['--steps', '0'], range('steps'), '--steps'],
    [['--guidance=-1'], range('guidance'), '--guidance'],
    [['--batch', '0'], range('batch'), '--batch'],
    [['--sampler', 'zz'], /--sampler must be one of/, '--sampler'],
    [['--seed=-1'], range('seed'), '--seed'],
    [['--data', 'zz'], /--data: unknown data source/, '--data'],
    [['--floor-data', 'folder:'], /--floor-data: data 'folder:'/, '--floor-data'],
    [['--classes', 'Spaceship'], /--classes: unknown class/, '--classes'],
    [['--out', join(D, 'report.txt')], /--out must name a \.json file/, '--out'],
  ]),
  {
    category: 'options',
    args: [...evalModel.slice(0, -1), join(D, 'small.json'), '--n', '2', '--steps', '2', '--kid-subsets', '2'],
    code: 0,
    names: '--n 2',
    message:
      /warning: --n 2: n = 2 is below the 128 feature dimensions: the covariances are singular, so FID is biased high/,
  },
  refused(
    'options',
    ['eval', '--real', 'subset', '--out', join(D, 'floor.json')],
    /--real must be given exactly twice, got 1/,
    '--real',
  ),
  refused(
    'options',
    ['eval', '--real', 'subset', '--real', 'zz', '--n', '10', '--out', join(D, 'floor.json')],
    /--real: unknown data source 'zz'/,
    '--real',
  ),
  {
    category: 'options',
    args: [...evalModel.slice(0, 3), '--classifier', join(D, 'none.safetensors'), '--out', join(D, 'r2.json')],
    code: 1,
    message: /no such classifier file/,
    names: 'none.safetensors',
    absent: [join(D, 'r2.json')],
  },
  refused('options', ['classifier', '--data', 'subset'], /expected 'train' or 'info', got ''/, 'train'),
  refused('options', ['classifier', 'fit'], /expected 'train' or 'info', got 'fit'/, 'fit'),
  refused(
    'options',
    ['classifier', 'train', 'extra.safetensors', '--data', 'subset', '--out', join(D, 'c.safetensors')],
    /unexpected argument 'extra\.safetensors'/,
    'extra.safetensors',
  ),
  refused('options', ['classifier', 'info'], /classifier info: give the classifier file/, 'classifier info'),
  ...group('options', classifier, [
    [['--channels', '2'], /--channels must be one of 1\|3/, '--channels'],
    [['--size', '4'], range('size'), '--size'],
    [['--lr', '0'], /--lr must be > 0/, '--lr'],
    [['--epochs', '0'], range('epochs'), '--epochs'],
    [['--batch', '0'], range('batch'), '--batch'],
    [['--augment', 'rotate'], /--augment must be one of/, '--augment'],
    [['--seed=-1'], range('seed'), '--seed'],
    [['--out', join(D, 'c.bin')], /--out must name a \.safetensors file/, '--out'],
    [['--test', 'zz'], /--test: unknown data source/, '--test'],
  ]),
  ...group(
    'options',
    ['model'],
    [
      [['--preset', 'zz'], /--preset must be one of/, '--preset'],
      [['--channels', '2'], /--channels must be one of/, '--channels'],
      [['--summary', '--size', '0'], range('size'), '--size'],
      [['--summary', '--batch', '0'], range('batch'), '--batch'],
      [['--summary', '--size', '1e5'], /--size must be <= 4096/, '--size'],
    ],
  ),
  ...group(
    'options',
    ['demo', '--out', join(D, 'demo.png')],
    [
      [['--steps', '0'], range('steps'), '--steps'],
      [['--steps', '1e9'], /--steps must be <= 100000/, '--steps'],
      [['--sigma=-1'], range('sigma'), '--sigma'],
      [['--sigma', '100'], /--sigma must be <= 10/, '--sigma'],
      [['--seed=-1'], range('seed'), '--seed'],
    ],
  ),
  refused('options', ['demo', '--out', join(D, 'demo.jpg')], /--out must name a \.png file/, '--out'),
  ...group(
    'options',
    ['serve'],
    [
      [['--port', '70000'], /--port must be <= 65535/, '--port'],
      [['--port=-1'], range('port'), '--port'],
      [['--port', 'http'], /--port must be a number/, '--port'],
      [['--queue=-1'], range('queue'), '--queue'],
      [['--queue', '5000'], /--queue must be <= 1000/, '--queue'],
      [['--host', 'bad host!'], /--host must be an address or a host name/, '--host'],
      [['--allow-host', 'example.org:80'], /--allow-host takes host names .* without a port/, '--allow-host'],
      [['--allow-host', 'a,,b'], /--allow-host takes host names/, '--allow-host'],
      [['--host', ''], /--host must not be empty/, '--host'],
    ],
  ),
];

const combinations: CliCase[] = [
  ...group('combinations', sample, [
    [['--schedule', 'linear'], /--schedule applies to gmm models only/, '--schedule'],
    [['--spacing', 'leading'], /--spacing applies to gmm models only/, '--spacing'],
    [['--variance', 'beta'], /--variance applies to gmm models only/, '--variance'],
    [['--frames', 'x0'], /--frames applies to --gif only/, '--frames'],
    [['--guidance', '3'], /--guidance and --compare-guidance need --class/, '--guidance'],
    [['--compare-guidance', '1,3'], /need --class/, '--compare-guidance'],
    [
      ['--class', '0', '--compare-guidance', '1,3', '--gif', join(D, 'c.gif')],
      /--gif and --compare-guidance cannot be combined/,
      '--gif',
    ],
    [['--sampler', 'heun', '--eta', '0.5'], /--eta applies to the ddim sampler only, not heun/, '--eta'],
  ]),
  ...group('combinations', gmm, [
    [['--sampler', 'heun', '--eta', '0.5'], /--eta applies to ddim only, not heun/, '--eta'],
    [['--sampler', 'ddim', '--variance', 'beta'], /--variance applies to ddpm only/, '--variance'],
    [['--sampler', 'heun', '--spacing', 'leading'], /--spacing applies to the samplers on time grids/, '--spacing'],
    [['--sampler', 'ddim', '--gif', join(D, 'g.gif')], /--gif applies to image models only/, '--gif'],
    [['--sampler', 'ddim', '--each'], /--each applies to image models only/, '--each'],
    [['--sampler', 'ddim', '--nrow', '4'], /--nrow applies to image models only/, '--nrow'],
    [['--sampler', 'ddim', '--precision', 'fp32'], /--precision applies to image models only/, '--precision'],
    [['--sampler', 'ddim', '--guidance', '3'], /--guidance needs --class/, '--guidance'],
  ]),
  ...group('combinations', sdedit, [
    [['--n', '5'], /--n does not apply to edit sdedit/, '--n'],
    [['--guidance', '5'], /--guidance needs --class/, '--guidance'],
    [['--strength', '0.5', '--sweep', '1,2'], /give one of --strength, --start-step and --sweep/, '--strength'],
    [['--strength', '0.5', '--start-step', '3'], /give one of --strength, --start-step and --sweep/, '--start-step'],
    [['--mask', IMG], /--mask does not apply to edit sdedit/, '--mask'],
    [['--box', '1,1,2,2'], /--box does not apply to edit sdedit/, '--box'],
    [['--view', 'flip'], /--view does not apply to edit sdedit/, '--view'],
    [['--sampler', 'heun', '--eta', '0.3'], /--eta applies to the ddim sampler only/, '--eta'],
  ]),
  ...group('combinations', inpaint, [
    [[], /give exactly one of --mask MASK\.png and --box x,y,w,h/, '--mask'],
    [['--mask', IMG, '--box', '1,1,2,2'], /give exactly one of --mask/, '--box'],
    [['--box', '1,1,2,2', '--guidance', '3'], /--guidance needs --class/, '--guidance'],
    [['--box', '1,1,2,2', '--strength', '0.5'], /--strength does not apply to edit inpaint/, '--strength'],
    [['--box', '1,1,2,2', '--n', '2'], /--n does not apply to edit inpaint/, '--n'],
  ]),
  ...group('combinations', anagram, [
    [['--image', IMG], /--image does not apply to edit anagram/, '--image'],
    [['--kernel', '5'], /--kernel does not apply to edit anagram/, '--kernel'],
    [['--class', '0'], /--class does not apply to edit anagram/, '--class'],
  ]),
  ...group('combinations', hybrid, [
    [['--view', 'flip'], /--view does not apply to edit hybrid/, '--view'],
    [['--mask', IMG], /--mask does not apply to edit hybrid/, '--mask'],
  ]),
  ...group('combinations', forward, [
    [['--model', M, '--size', '32'], /--model brings its schedule and size/, '--model'],
    [['--model', M, '--schedule', 'linear'], /--model brings its schedule/, '--schedule'],
    [['--precision', 'bf16'], /--precision applies with --model only/, '--precision'],
  ]),
  ...group('combinations', train, [
    [['--epochs', '2', '--steps', '5'], /give --steps or --epochs, not both/, '--epochs'],
    [['--denoise-sigma', '0.3'], /--denoise-sigma applies to --task denoise only/, '--denoise-sigma'],
    [['--task', 'denoise', '--schedule', 've'], /--schedule does not apply to --task denoise/, '--schedule'],
    [['--task', 'denoise', '--prediction', 'v'], /--prediction does not apply to --task denoise/, '--prediction'],
    [['--size', '64'], /--size applies to folder:DIR data only \(subset brings its own\)/, '--size'],
    [['--channels', '3'], /--channels applies to folder:DIR data only/, '--channels'],
    [['--bad-files', 'skip'], /--bad-files applies to folder:DIR data only/, '--bad-files'],
    [['--init', M], /--preset does not apply with --init/, '--preset'],
    [['--allow-change'], /--allow-change applies to --resume only/, '--allow-change'],
    [['--resume'], /--resume: .* has no checkpoint to resume from/, '--resume'],
  ]),
  ...group('combinations', evalModel, [
    [['--real', 'subset', '--real', 'subset'], /--model does not apply with --real/, '--model'],
  ]),
  refused(
    'combinations',
    ['eval', '--real', 'subset', '--real', 'subset', '--sampler', 'ddim', '--out', join(D, 'f.json')],
    /--sampler does not apply with --real/,
    '--sampler',
  ),
  refused(
    'combinations',
    ['eval', '--real', 'subset', '--real', 'subset', '--steps', '5', '--out', join(D, 'f.json')],
    /--steps does not apply with --real/,
    '--steps',
  ),
  refused(
    'combinations',
    ['classifier', 'info', DEFAULT_CLASSIFIER_PATH, '--out', join(D, 'c.safetensors')],
    /--out does not apply to classifier info/,
    '--out',
  ),
  refused('combinations', [...classifier, '--size', '32'], /--size applies to folder:DIR data only/, '--size'),
  refused('combinations', ['model', '--batch', '4'], /--batch applies to --summary only/, '--batch'),
  refused('combinations', ['model', '--size', '64'], /--size applies to --summary only/, '--size'),
];

const resources: CliCase[] = [
  ...group('resources', sample, [
    [
      ['--n', '1e9', '--class', '0', '--steps', '1'],
      /--n 1000000000 needs about .* of memory; this machine has/,
      '--n',
    ],
    [['--n', '2000000', '--steps', '1', '--gif', join(D, 'big.gif')], /--n 2000000 needs about/, '--n'],
    [
      ['--n', '1e7', '--class', '0', '--compare-guidance', '1,2,3,4,5,6,7,8,9,10', '--steps', '1'],
      /--n 10000000 x 10 guidance scales needs about/,
      '--n',
    ],
  ]),
  ...group('resources', gmm, [
    [['--sampler', 'ddim', '--n', '1e12'], /--n 1000000000000 needs about .* of memory/, '--n'],
  ]),
  ...group('resources', anagram, [[['--n', '1e9'], /--n 1000000000 needs about/, '--n']]),
  ...group('resources', hybrid, [[['--n', '1e9'], /--n 1000000000 needs about/, '--n']]),
  ...group('resources', forward, [
    [
      ['--size', '4096', '--t', Array.from({ length: 300 }, (_, i) => i).join(',')],
      /--t with 300 times needs about/,
      '--t',
    ],
  ]),
  ...group('resources', train, [[['--batch', '1000000000'], /--batch 1000000000 needs about .* of memory/, '--batch']]),
  ...group('resources', classifier, [[['--batch', '1e9'], /--batch 1000000000 needs about/, '--batch']]),
  ...group('resources', evalModel, [[['--n', '1e12'], /--n 1000000000000 with --batch 250 needs about/, '--n']]),
  refused(
    'resources',
    ['model', '--summary', '--batch', '1e9'],
    /--batch 1000000000 at --size 28 needs about/,
    '--batch',
  ),
];

const all = [...options, ...combinations, ...resources];
cliCases(all);
countsMatchDocs(all.map((c) => c.category));
