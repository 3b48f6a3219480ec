// The reliability corpus, combinations and resources (docs/RELIABILITY.md): options that would be silently ignored
// beside others, and requests too large for this machine (refused with an estimate of their memory): exit 2 before
// any work, one line naming the option, outputs never written.
import { join } from 'node:path';
import { DEFAULT_CLASSIFIER_PATH } from '../src/index.js';
import { cliCases, countsMatchDocs, type CliCase } from './reliability-harness.js';
import {
  D,
  M,
  IMG,
  sample,
  gmm,
  sdedit,
  inpaint,
  anagram,
  hybrid,
  denoise,
  forward,
  train,
  evalModel,
  classifier,
  group,
  refused,
} from './reliability-commands.js';

const combinations: CliCase[] = [
  ...group('combinations', sample, [
    [['--schedule', 'linear'], /--schedule applies to gmm models only/, '--schedule'],
    [['--spacing', 'leading'], /--spacing applies to gmm models only/, '--spacing'],
    [['--variance', 'beta'], /--variance applies to the ddpm sampler only, not ddim/, '--variance'],
    [['--frames', 'x0'], /--frames applies to --gif only/, '--frames'],
    [['--guidance', '3'], /--guidance needs --class/, '--guidance'],
    [['--compare-guidance', '1,3'], /--compare-guidance needs --class/, '--compare-guidance'],
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
    [[], /give exactly one of --mask \(a picture\) and --box \(x,y,w,h\)/, '--mask'],
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
  ...group('combinations', denoise, [
    [['--sampler', 'ddpm', '--eta', '0.5'], /--eta applies to the ddim sampler only, not ddpm/, '--eta'],
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

const all = [...combinations, ...resources];
cliCases(all);
countsMatchDocs(all.map((c) => c.category));
