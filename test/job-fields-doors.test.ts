// Every job field through both doors: the command line (cliDoor over option strings) and the API (parseJob over
// a JSON body) must give the same verdict for the same value, accepted or refused at the same bound, except where
// the server names a cap (serverCaps), and then the API's refusal names the cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_CLASSIFIER_PATH,
  DEFAULT_MODEL_PATH,
  cliName,
  evalJob,
  encodePng,
  jobDefaults,
  jobFiles,
  jobKinds,
  samplingFields,
  type Field,
  type JobKind,
  type ModelInfo,
} from '../src/index.js';
import { readClassifierSettings } from '../src/cli/commands/classifier.js';
import { readDemoSettings } from '../src/cli/commands/demo.js';
import { readModelSettings } from '../src/cli/commands/model.js';
import { evalOptions, readEvalSettings, readEvalSpec } from '../src/cli/commands/eval-options.js';
import { readScheduleSettings } from '../src/cli/commands/schedule.js';
import { readServeSettings } from '../src/cli/commands/serve.js';
import { cliDoor, fieldOptions } from '../src/cli/door.js';
import { readFigureScale, readModelPath } from '../src/cli/image-options.js';
import { DEFAULT_LIMITS, apiFields, parseJob, serverCaps } from '../src/server/protocol.js';
import { boundsOf, type NumberField } from '../src/jobs/fields.js';
import { helpDefaults } from './helpers.js';

const info: ModelInfo = {
  classNames: ['zero', 'one', 'two'],
  reads: 'none',
  conditioning: 'it reads 3 classes',
  examplePrompts: [],
  imageShape: [1, 28, 28],
  schedule: { name: 'linear', tMin: 1, tMax: 1000, numTimesteps: 1000 },
  trainingSteps: 0,
  precision: 'fp32',
};
const caps = serverCaps(DEFAULT_LIMITS);

const png = encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).fill(255) });
const dir = mkdtempSync(join(tmpdir(), 'difflab-doors-'));
const file = join(dir, 'in.png');
writeFileSync(file, png);
const PICTURE = Symbol('picture');

/** What each kind needs besides the field under test (logical values; a picture where PICTURE stands). */
const base: Record<JobKind, Record<string, unknown>> = {
  generate: { class: 'one', steps: 2 },
  sdedit: { image: PICTURE, steps: 2 },
  inpaint: { image: PICTURE, mask: PICTURE, steps: 2 },
  anagram: { classA: 'zero', classB: 'one', steps: 2 },
  hybrid: { classLow: 'zero', classHigh: 'one', steps: 2 },
  forward: { image: PICTURE },
  denoise: { image: PICTURE },
};
/** Fields that exclude a base value: tested without it. */
const excludes: Record<string, string[]> = { stride: ['steps'], box: ['mask'] };

type Verdict = { ok: true } | { ok: false; message: string };

function viaCli(kind: JobKind, values: Record<string, unknown>): Verdict {
  const fields = jobFiles[kind].fields;
  const argv: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    const name = fields[k] ? cliName(k, fields[k]) : k;
    argv[name] = v === PICTURE ? file : Array.isArray(v) ? v.join(',') : String(v);
  }
  try {
    jobFiles[kind].parse(cliDoor(fields, argv), info);
    return { ok: true };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function viaApi(kind: JobKind, values: Record<string, unknown>): Verdict {
  const body = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, v === PICTURE ? `data:image/png;base64,${png.toString('base64')}` : v]),
  );
  try {
    parseJob(kind, body, info);
    return { ok: true };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** The values worth trying for a number field: at and beyond each bound, and a fraction for integers. */
function probes(key: string, f: NumberField): number[] {
  const b = boundsOf(key, f, info, {});
  const out = new Set<number>();
  if (b.min !== undefined) [b.min - 1, b.min, b.min + 0.5].forEach((v) => out.add(v));
  if (b.max !== undefined) [b.max, b.max + 1, b.max - 0.5].forEach((v) => out.add(v));
  const cap = caps[key];
  if (cap?.max !== undefined) [cap.max, cap.max + 1].forEach((v) => out.add(v));
  if (cap?.min !== undefined) [cap.min, cap.min - 0.01].forEach((v) => out.add(v));
  if (f.default !== undefined) out.add(f.default);
  return [...out].filter(Number.isFinite);
}

const numberFields = (f: Field): f is NumberField => f.type === 'int' || f.type === 'number';

for (const kind of jobKinds) {
  test(`${kind}: every field gets one verdict from the CLI and the API (server caps named)`, () => {
    const fields = jobFiles[kind].fields;
    const without = (key: string) =>
      Object.fromEntries(Object.entries(base[kind]).filter(([k]) => !(excludes[key] ?? []).includes(k)));
    assert.deepEqual(viaCli(kind, base[kind]), { ok: true }, 'the base request parses on the CLI');
    assert.deepEqual(viaApi(kind, base[kind]), { ok: true }, 'the base request parses on the API');
    let compared = 0;
    for (const [key, f] of Object.entries(fields)) {
      if (f.cliOnly) continue;
      const values: unknown[] = numberFields(f)
        ? probes(key, f)
        : f.type === 'choice'
          ? [...f.choices, 'no-such-choice']
          : f.type === 'numbers'
            ? [[1, 1, 4, 4], [0], [-1, 2], [1.5, 2, 3, 4], [5000]]
            : f.type === 'class'
              ? ['one', 2, 'nine', 7]
              : [];
      for (const value of values) {
        let body = { ...without(key), [key]: value };
        // eta is ddim's and variance ddpm's only: try them where they apply.
        if (key === 'variance') body = { ...body, sampler: 'ddpm' };
        if (key === 'eta') body = { ...body, sampler: 'ddim' };
        if (key === 'sampler' && value === 'ddpm') body = { ...body, steps: 2 };
        const [cli, api] = [viaCli(kind, body), viaApi(kind, body)];
        compared++;
        const what = `${kind}.${key} = ${JSON.stringify(value)}: CLI ${JSON.stringify(cli)}, API ${JSON.stringify(api)}`;
        if (cli.ok === api.ok) {
          if (!cli.ok && !api.ok && numberFields(f) && typeof value === 'number') {
            // Refused by both: each names the bound broken, the API its cap where one is named.
            const broken = (b: { min?: number; max?: number }) =>
              value < (b.min ?? -Infinity) ? b.min : value > (b.max ?? Infinity) ? b.max : undefined;
            const [own, capped] = [broken(boundsOf(key, f, info, {})), broken(boundsOf(key, f, info, caps))];
            if (own !== undefined) assert.ok(cli.message.includes(String(own)), what);
            if (capped !== undefined) assert.ok(api.message.includes(String(capped)), what);
            if (capped !== own) assert.ok(caps[key], `${what}: no server cap is named for '${key}'`);
          }
          continue;
        }
        // Only a named cap may make the API refuse what the CLI takes, and its message names the cap.
        assert.ok(cli.ok && !api.ok, what);
        const cap = caps[key];
        assert.ok(cap, `${what}: no server cap is named for '${key}'`);
        const capBound = typeof value === 'number' && cap.max !== undefined && value > cap.max ? cap.max : cap.min;
        assert.ok(capBound !== undefined && api.message.includes(String(capBound)), what);
      }
    }
    assert.ok(compared > 0 || kind === 'forward');
  });
}

test('the API lists exactly the job fields it offers, and the CLI has an option for every field', () => {
  for (const kind of jobKinds) {
    const fields = jobFiles[kind].fields;
    const api = apiFields(kind);
    for (const [key, f] of Object.entries(fields)) assert.equal(api.includes(key), !f.cliOnly, `${kind}.${key}`);
    const options = fieldOptions([{ name: kind, fields }]);
    for (const [key, f] of Object.entries(fields)) assert.ok(options[cliName(key, f)], `${kind}: --${cliName(key, f)}`);
  }
});

test("eval's options are its job file's fields: each field's help, default and bounds, refused in the CLI's words", () => {
  const options = evalOptions;
  for (const fields of [evalJob.fields, evalJob.sampling])
    for (const [key, f] of Object.entries(fields)) {
      const o = options[cliName(key, f)];
      assert.ok(o, `eval: --${cliName(key, f)}`);
      assert.equal(o.help, f.help, `eval --${cliName(key, f)}'s help`);
    }
  const out = join(dir, 'report.json');
  const s = readEvalSettings({ out, 'kid-subsets': '7', pr: true, batch: '50' });
  assert.deepEqual([s.n, s.batchSize, s.compare], [evalJob.defaults.n, 50, { kidSubsets: 7, precisionRecall: true }]);
  assert.throws(() => readEvalSettings({ out, n: '1' }), /--n must be >= 2, got 1/);
  assert.throws(() => readEvalSettings({ out, 'kid-subsets': '20000' }), /--kid-subsets must be <= 10000/);
  assert.throws(() => readEvalSettings({ out, batch: '2.5' }), /--batch must be an integer/);
  const spec = (v: Record<string, string>, classes?: string[]) =>
    readEvalSpec(v, { ...readEvalSettings({ out, ...v }), ...(classes ? { classes } : {}) }, info);
  assert.deepEqual(spec({ sampler: 'ddim', steps: '20' }).sampling, {
    ...spec({}).sampling,
    sampler: 'ddim',
    numSteps: 20,
  });
  assert.throws(() => spec({ steps: '100000' }), /--steps must be <= /);
  // What the samples ask for: every class unless named, by name or id; an unknown one refused naming --classes.
  assert.deepEqual(spec({}).ask, { kind: 'classes', classes: info.classNames.map((_, i) => i) });
  assert.deepEqual(spec({}, [info.classNames[2]!, '0']).ask, { kind: 'classes', classes: [2, 0] });
  assert.throws(() => spec({}, ['no-such-class']), /--classes: unknown class 'no-such-class'/);
  const unconditional = { ...info, classNames: [] };
  assert.throws(
    () => readEvalSpec({ guidance: '3' }, readEvalSettings({ out }), unconditional),
    /--guidance and --classes need a class-conditional model/,
  );
});

test('every server cap narrows a field some kind has, and never widens it', () => {
  for (const [key, cap] of Object.entries(caps)) {
    const owners = jobKinds.filter((k) => key in jobFiles[k].fields);
    assert.ok(owners.length > 0, `cap '${key}' names no field`);
    for (const k of owners) {
      const f = jobFiles[k].fields[key]!;
      if (!numberFields(f)) continue;
      const b = boundsOf(key, f, info, {});
      if (cap.max !== undefined && b.max !== undefined) assert.ok(cap.max <= b.max, `${k}.${key} max`);
      if (cap.min !== undefined && b.min !== undefined) assert.ok(cap.min >= b.min, `${k}.${key} min`);
    }
  }
});

test('edit, forward and denoise: the defaults their help states are what each kind parses to when the option is left out', () => {
  const specKey: Record<string, string> = {
    n: 'count',
    resample: 'resampleSteps',
    sigma: 'blurSigma',
    kernel: 'blurKernel',
  };
  for (const [command, kinds] of [
    [['edit'], ['sdedit', 'inpaint', 'anagram', 'hybrid']],
    [['forward'], ['forward']],
    [['denoise'], ['denoise']],
  ] as const) {
    const help = helpDefaults(...command);
    for (const kind of kinds) {
      const fields = jobFiles[kind].fields;
      const values = Object.fromEntries(
        Object.entries(base[kind]).map(([k, v]) => [cliName(k, fields[k]!), v === PICTURE ? file : String(v)]),
      );
      const spec = jobFiles[kind].parse(cliDoor(fields, values), info) as unknown as Record<string, unknown>;
      for (const [key, f] of Object.entries(fields)) {
        const said = help.get(cliName(key, f));
        const got =
          spec[specKey[key] ?? key] ??
          (key === 'strength' ? (spec.start as { strength?: number }).strength : undefined);
        if (!('default' in f) || f.default === undefined || key in base[kind]) continue;
        assert.ok(said !== undefined, `${kind}: --${cliName(key, f)} states no default`);
        // One default, or "v (kinds), w (kinds)" where the kinds differ: this kind's value is the one said for it.
        const forKind =
          said.includes(`(${kind}`) || said.includes(` ${kind}`)
            ? said.match(new RegExp(`([^ ,]+) \\([^)]*\\b${kind}\\b`))?.[1]
            : said;
        assert.equal(forKind, String(got), `${kind}: --${cliName(key, f)} says ${said}, parse gives ${String(got)}`);
      }
    }
  }
});

/** A shipped file as help names it: "the shipped models/...", whatever folder the command runs in. */
function shipped(path: string): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  return `the shipped ${relative(root, path).split(sep).join('/')}`;
}

test("sample, edit and denoise: --model's stated default is the shipped model they load when it is left out", () => {
  assert.equal(readModelPath({}), DEFAULT_MODEL_PATH);
  for (const command of ['sample', 'edit', 'denoise']) {
    const help = helpDefaults(command);
    assert.equal(help.get('model'), shipped(readModelPath({})), `${command} --model`);
    assert.equal(help.get('scale'), String(readFigureScale({})), `${command} --scale`);
  }
});

test('eval, classifier, schedule, serve, demo and model: the defaults their help states are the settings each reads when the option is left out', () => {
  const folder = mkdtempSync(join(tmpdir(), 'difflab-folder-'));
  /** A command's settings reader, its required options, and what its help should say of each default it read. */
  interface Case {
    command: string;
    situations: { args: Record<string, string>; label?: string; only?: string[] }[];
    said: (args: Record<string, string>) => Record<string, unknown>;
  }
  const cases: Case[] = [
    {
      command: 'eval',
      situations: [{ args: { out: join(dir, 'report.json') } }],
      said(args) {
        const s = readEvalSettings(args);
        const { sampling } = readEvalSpec(args, s, info); // read once the model is loaded
        return {
          model: s.modelPath === DEFAULT_MODEL_PATH ? shipped(s.modelPath) : s.modelPath,
          classifier: s.classifierPath === DEFAULT_CLASSIFIER_PATH ? shipped(s.classifierPath) : s.classifierPath,
          sampler: sampling.sampler,
          eta: sampling.eta,
          'start-at': sampling.startAt,
          // --steps is read against the model's T once it is loaded: left out, the sampler's own default runs.
          steps: samplingFields(jobDefaults.generate).steps.defaultText,
          n: s.n,
          guidance: sampling.guidance,
          classes: s.classes ?? 'every class',
          seed: sampling.seed,
          batch: s.batchSize,
          work: s.workDir === join(dir, 'report.samples') ? 'OUT without .json, plus .samples/' : s.workDir,
          data: s.data ?? "the model's training data",
          'floor-data':
            s.floorData ?? 'the held-out split for fashion-mnist, mnist and mnist-full, else half of --data',
          'kid-subsets': s.compare.kidSubsets,
          precision: s.precision,
        };
      },
    },
    {
      command: 'classifier',
      situations: [
        { args: { out: join(dir, 'c.safetensors') } },
        { args: { out: join(dir, 'c.safetensors'), data: `folder:${folder}` }, label: 'folder', only: ['size'] },
        { args: { out: join(dir, 'c.safetensors'), data: 'emoji' }, label: 'emoji', only: ['size'] },
      ],
      said(args) {
        const s = readClassifierSettings(args);
        const heldOut = s.data === 'fashion-mnist' ? s.test === 'fashion-mnist-test' : s.test === null;
        return {
          data: s.data,
          test: heldOut ? 'the held-out split for fashion-mnist, mnist and mnist-full; none otherwise' : s.test,
          epochs: s.epochs,
          batch: s.batchSize,
          lr: s.lr,
          augment: s.augment,
          size: s.size,
          channels: s.channels,
          seed: s.seed,
        };
      },
    },
    {
      command: 'schedule',
      situations: [{ args: { plot: join(dir, 'schedules.png') } }],
      said: (args) => readScheduleSettings(args),
    },
    {
      command: 'serve',
      situations: [{ args: {} }],
      said(args) {
        const s = readServeSettings(args);
        return {
          port: s.port,
          host: s.host,
          model: s.modelPath === DEFAULT_MODEL_PATH ? shipped(s.modelPath) : s.modelPath,
          queue: s.maxWaiting,
          precision: s.precision,
        };
      },
    },
    { command: 'demo', situations: [{ args: {} }], said: (args) => readDemoSettings(args) },
    { command: 'model', situations: [{ args: {} }], said: (args) => readModelSettings(args) },
  ];
  for (const c of cases) {
    const help = helpDefaults(c.command);
    const checked = new Set<string>();
    // Options whose default differs by situation ("28 (folder data), 32 (emoji)") are checked in the labelled ones.
    const byLabel = new Set(c.situations.flatMap((s) => s.only ?? []));
    for (const { args, label, only } of c.situations) {
      const said = c.said(args);
      for (const [option, stated] of help) {
        if (option in args || (only ? !only.includes(option) : byLabel.has(option))) continue;
        const want = label ? stated.match(new RegExp(`([^ ,]+) \\(${label}\\b`))?.[1] : stated;
        assert.ok(option in said, `${c.command}: --${option} states a default (${stated}) the test does not read`);
        assert.equal(
          String(said[option]),
          want,
          `${c.command}: --${option} says ${stated}, the command reads ${String(said[option])}`,
        );
        checked.add(option);
      }
    }
    assert.deepEqual([...checked].sort(), [...help.keys()].sort(), `${c.command}: every stated default checked`);
  }
});
