// `difflab train` as a user runs it: dry run, a short real run with every artefact, clear errors on bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '../src/index.js';
import { difflab, tempDir } from './helpers.js';

test('--dry-run prints the resolved config without writing anything', () => {
  const out = join(tempDir(), 'run');
  const r = difflab(
    'train',
    '--data',
    'subset',
    '--preset',
    'tiny',
    '--classes',
    '--steps',
    '7',
    '--out',
    out,
    '--dry-run',
  );
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout);
  assert.equal(c.steps, 7);
  assert.equal(c.network.numClasses, 10);
  assert.equal(c.classNames[7], 'Sneaker');
  assert.equal(c.schedule, 'linear');
  assert.equal(existsSync(out), false);
});

test('--width, --attention and --prediction edm change the run as the dry run shows; --init refuses them', () => {
  const out = join(tempDir(), 'run');
  const dry = (...extra: string[]) => difflab('train', '--data', 'subset', '--out', out, '--dry-run', ...extra);
  const r = dry('--width', '48', '--attention', '1', '--prediction', 'edm', '--schedule', 'edm');
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout);
  assert.equal(c.network.baseChannels, 48);
  assert.equal(c.network.embedDim, 192);
  assert.deepEqual(c.network.attentionLevels, [1]);
  assert.equal(c.prediction, 'edm');
  assert.equal(c.noiseLevels, 'lognormal'); // EDM's training distribution comes with its preconditioning
  assert.equal(JSON.parse(dry().stdout).noiseLevels, 'uniform');
  assert.equal(JSON.parse(dry('--attention', 'none').stdout).network.attentionLevels.length, 0);
  const init = dry('--init', 'models/fashion-mnist.safetensors', '--width', '48');
  assert.equal(init.code, 2);
  assert.match(init.stderr, /--width does not apply with --init/);
});

test('a short run writes config.json, loss.csv, loss.png, checkpoints, a model and a sample grid; resume continues', () => {
  const out = join(tempDir(), 'run');
  const args = [
    'train',
    '--data',
    'subset',
    '--preset',
    'tiny',
    '--steps',
    '6',
    '--batch',
    '8',
    '--out',
    out,
    '--checkpoint-every',
    '3',
    '--sample-every',
    '0',
  ];
  const r = difflab(...args);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['config.json', 'loss.csv', 'loss.png', 'model.safetensors']) assert.ok(existsSync(join(out, f)), f);
  assert.deepEqual(readdirSync(join(out, 'checkpoints')), ['step-00000003.safetensors', 'step-00000006.safetensors']);
  assert.equal(readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').length, 7);
  const grid = decodePng(readFileSync(join(out, 'samples', 'step-00000006.png')));
  assert.ok(grid.width > 8 * 28 && grid.height > 4 * 28);
  // the same --out again needs --resume; with it, training continues to the new step count
  assert.match(difflab(...args).stderr, /already holds a run: pass --resume/);
  const again = difflab(...args.map((a) => (a === '6' ? '9' : a)), '--resume');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').length, 10);
});

test('bad data: missing paths, corrupt images and unlabelled --classes give one-line errors', () => {
  const dir = tempDir();
  const missing = difflab('train', '--data', `folder:${join(dir, 'nope')}`, '--out', join(dir, 'r1'));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^difflab: error: .*nope/);
  const folder = join(dir, 'imgs', 'cats');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'broken.png'), 'not a png at all');
  const corrupt = difflab('train', '--data', `folder:${join(dir, 'imgs')}`, '--out', join(dir, 'r2'));
  assert.notEqual(corrupt.code, 0);
  assert.match(corrupt.stderr, /broken\.png/);
  assert.equal(corrupt.stderr.trim().split('\n').length, 1);
  const unlabelled = join(dir, 'flat');
  mkdirSync(unlabelled);
  const bad = difflab('train', '--data', 'fashion-mnist:/definitely/not/here', '--out', join(dir, 'r3'));
  assert.match(bad.stderr, /does not exist/);
  const unknown = difflab('train', '--data', 'subset', '--out', join(dir, 'r4'), '--schedule', 'zigzag');
  assert.match(unknown.stderr, /--schedule must be one of/);
  assert.equal(existsSync(join(dir, 'r4')), false);
});

test('--init starts a new run from a model file, takes its architecture, and refuses one trained on other data', () => {
  const dir = tempDir();
  const base = ['train', '--data', 'subset', '--classes', '--steps', '2', '--batch', '4', '--sample-every', '0'];
  assert.equal(difflab(...base, '--preset', 'tiny', '--out', join(dir, 'a')).code, 0);
  const model = join(dir, 'a', 'model.safetensors');
  const dry = difflab(...base, '--out', join(dir, 'b'), '--init', model, '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  const c = JSON.parse(dry.stdout);
  assert.equal(c.preset, 'tiny');
  assert.deepEqual(c.init, { model, step: 2 });
  const run = difflab(...base, '--out', join(dir, 'c'), '--init', model);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'c', 'config.json'), 'utf8')).init, { model, step: 2 });
  const unconditional = difflab(...base.filter((a) => a !== '--classes'), '--out', join(dir, 'd'), '--init', model);
  assert.notEqual(unconditional.code, 0);
  assert.match(
    unconditional.stderr,
    /^difflab: error: --init: .* was trained on classes \[T-shirt\/top, .*\], this run \[\]\n$/,
  );
  const missing = difflab(...base, '--out', join(dir, 'e'), '--init', join(dir, 'nope.safetensors'));
  assert.match(missing.stderr, /^difflab: error: --init: .*nope\.safetensors: no such model file\n$/);
  assert.equal(existsSync(join(dir, 'd')) || existsSync(join(dir, 'e')), false);
});

test("--timesteps T trains on a discrete schedule of T steps (the seeds' 300): the model file keeps it, samplers use it", () => {
  const out = join(tempDir(), 'run300');
  const r = difflab(
    'train',
    '--data',
    'subset',
    '--preset',
    'tiny',
    '--steps',
    '2',
    '--batch',
    '8',
    '--timesteps',
    '300',
    '--sample-every',
    '0',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).timesteps, 300);
  // The pictures seen, said before the run; a warm-up the run never finishes is warned about.
  assert.match(r.stderr, /train: 2 steps of 8: 16 pictures seen, 0\.0 epochs of the data's /);
  assert.match(r.stderr, /warning: the warm-up \(\d+ steps\) is not shorter than the run \(2 steps\)/);
  assert.match(r.stderr, /warning: a short run \(16 pictures seen\) is likely to underfit/);
  const model = join(out, 'model.safetensors');
  const s = difflab('sample', '--model', model, '--sampler', 'ddpm', '--n', '1', '--out', join(out, 's.png'));
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /ddpm, 300 steps/, 'ddpm runs all T = 300 steps by default');
  const d = difflab(
    'denoise',
    '--model',
    model,
    '--image',
    join(out, 's.png'),
    '--t',
    '301',
    '--out',
    join(out, 'd.png'),
  );
  assert.equal(d.code, 2);
  assert.match(d.stderr, /--t must be <= 300/);
  const ve = difflab(
    'train',
    '--data',
    'subset',
    '--schedule',
    've',
    '--timesteps',
    '300',
    '--out',
    join(out, 've'),
    '--dry-run',
  );
  assert.equal(ve.code, 2);
  assert.match(ve.stderr, /timesteps needs a discrete schedule/);
});

test('--preview-epochs draws sample grids at the ends of chosen epochs, --preview-guidance guides them', () => {
  // The embedded subset's 500 pictures at batch 50: an epoch is 10 steps.
  const out = join(tempDir(), 'previews');
  const args = ['train', '--data', 'subset', '--classes', '--preset', 'tiny', '--batch', '50', '--warmup', '0'];
  const r = difflab(
    ...args,
    '--steps',
    '10',
    '--sample-every',
    '0',
    '--preview-epochs',
    '0.5',
    '--preview-guidance',
    '5',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const samples = readdirSync(join(out, 'samples')).sort();
  assert.deepEqual(samples, ['step-00000005.png', 'step-00000010.png']); // epoch 0.5, and the end
  const bad = difflab(...args, '--steps', '20', '--preview-epochs', '3', '--out', join(out, 'x'), '--dry-run');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--preview-epochs: 3 is not an epoch of this run \(2\.0 epochs of 500\)/);
});
