// Every difflab command docs/SEEDS.md prints runs, in a tiny form, in the order a learner meets them: in a folder
// holding the repository's models/ (linked, so a command that writes there writes a new file beside them) and the
// docs' input pictures, trainings shortened to 2 steps, samplers to 2 steps and 2 images, evaluations to a few.
// Paths stay as printed, so a command that names a file no earlier command wrote (or that does not ship) fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { decodePng, encodePng } from '../src/index.js';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers.js';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/difflab.js');

/**
 * The commands of the doc's sh blocks and inline code, continuation lines joined, comments cut: difflab's, and the
 * `cp -r` a learner runs between them (a run folder copied to continue it).
 */
export function seedCommands(doc: string): string[] {
  const commands: string[] = [];
  const text = doc.replace(/\\\n\s*/g, ' ');
  for (const m of text.matchAll(/```sh\n([\s\S]*?)```|`(difflab [^`]+)`/g)) {
    const lines = m[1] !== undefined ? m[1].split('\n') : [m[2]!.replace(/\s+/g, ' ')];
    for (const line of lines) {
      const c = line.replace(/\s+#.*$/, '').trim();
      if (c.startsWith('difflab ') || c.startsWith('cp -r ')) commands.push(c);
    }
  }
  return commands;
}

/** Placeholders a learner fills in (a guidance W, an alternative a|b, an elided rest): not runnable as printed. */
const placeholder = (c: string) => / W( |$)|\||\.\.\./.test(c);

/** A command's tiny form: the same paths and options, with its work cut to seconds. */
export function tiny(command: string): string[] {
  // Words as a shell splits them: "red apple" is one.
  const words = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(1);
  const kind = words[0]!;
  // Options with their values ([name, value]), flags ([name]) and positionals ([word]), in order.
  const parts: string[][] = [];
  for (let i = 0; i < words.length; i++) {
    const [w, next] = [words[i]!, words[i + 1]];
    if (w.startsWith('-') && next !== undefined && !next.startsWith('-')) parts.push([w, words[++i]!]);
    else parts.push([w]);
  }
  // A 2-step run has no epochs to preview at: --preview-epochs goes with --epochs.
  const drop = new Set(['--nrow', ...(kind === 'train' ? ['--epochs', '--steps', '--batch', '--preview-epochs'] : [])]);
  // An option's value is the next word unless it is itself an option (a negative number is not used here).
  const kept = parts.filter((p) => !drop.has(p[0]!)).map((p) => (p[0] === '--precision' ? ['--precision', 'auto'] : p));
  const set = (name: string, value: string) => {
    const p = kept.find((q) => q[0] === name);
    if (p) p[1] = value;
    else kept.push([name, value]);
  };
  if (kind === 'train') {
    set('--steps', '2');
    set('--batch', '8');
    set('--sample-every', '0');
    set('--checkpoint-every', '1');
  }
  if (kind === 'classifier') set('--epochs', '1');
  if (kind === 'sample' || (kind === 'edit' && !kept.some((p) => p[0] === '--sweep'))) set('--steps', '2');
  if (kind === 'sample') set('--n', '2');
  if (kind === 'eval') set('--n', '16');
  return kept.flat();
}

test('docs/SEEDS.md: every command it prints runs (tiny form), in order, with the paths as printed', () => {
  const doc = readFileSync(join(root, 'docs/SEEDS.md'), 'utf8');
  const commands = seedCommands(doc);
  assert.ok(commands.length >= 15, `only ${commands.length} commands found`);
  const cwd = tempDir('difflab-seeds-');
  mkdirSync(join(cwd, 'models'));
  for (const f of readdirSync(join(root, 'models'))) symlinkSync(join(root, 'models', f), join(cwd, 'models', f));
  copyFileSync(join(root, 'docs/seeds/digit.png'), join(cwd, 'digit.png'));
  // The emoji sections' inputs, as scripts/seed-emoji-figures.sh makes them: Twemoji's PNGs over white.
  const twemoji = join(root, 'node_modules/emoji-datasource-twitter/img/twitter/64');
  for (const [code, name] of [
    ['1f34e', 'apple'],
    ['1f600', 'grinning'],
  ] as const) {
    const img = decodePng(readFileSync(join(twemoji, `${code}.png`)));
    for (let i = 0; i < img.data.length; i += 4) {
      const a = img.data[i + 3]! / 255;
      for (let k = 0; k < 3; k++) img.data[i + k] = Math.round(a * img.data[i + k]! + (1 - a) * 255);
      img.data[i + 3] = 255;
    }
    writeFileSync(join(cwd, `${name}.png`), encodePng(img));
  }
  // The seeds' own recipes' samples, as scripts/gpu-references.sh packs them (PNG folders that PyTorch drew): the
  // docs' digit, 16 times. And the model files the doc keeps in docs/seeds/, linked as they ship.
  for (const run of ['seed001-b2', 'seed000']) {
    const dir = join(cwd, 'runs/gpu-refs', run, 'samples');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 16; i++) copyFileSync(join(root, 'docs/seeds/digit.png'), join(dir, `${1000 + i}.png`));
  }
  mkdirSync(join(cwd, 'docs/seeds'), { recursive: true });
  for (const f of readdirSync(join(root, 'docs/seeds')).filter((f) => f.endsWith('.safetensors')))
    symlinkSync(join(root, 'docs/seeds', f), join(cwd, 'docs/seeds', f));
  const ran: string[] = [];
  for (const c of commands.filter((c) => !placeholder(c))) {
    if (c.startsWith('cp -r ')) {
      const [from, to] = c.split(/\s+/).slice(2) as [string, string];
      cpSync(join(cwd, from), join(cwd, to), { recursive: true });
      continue;
    }
    const args = tiny(c);
    const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env } });
    assert.equal(r.status, 0, `${c}\n  ran as: difflab ${args.join(' ')}\n  ${r.stderr.trim().split('\n').at(-1)}`);
    ran.push(c);
  }
  assert.ok(ran.length >= 15, `ran ${ran.length}`);
});
