// The quality table of docs/BENCHMARKS.md (issue 6, item 5): runs `difflab eval` for every sampler setting and
// guidance weight on one model, then prints the markdown table. Each run keeps its samples in
// OUT/NAME.samples/, so an interrupted table resumes where it stopped (rerun the same command); a row whose report
// OUT/NAME.json is already there (newer than the model file) for the same model, sampler, steps, guidance and n is
// read, not measured again.
// The 1000-step DDPM row runs last (it costs the most); the table keeps the order below.
//
//   node scripts/quality-table.mjs [--model FILE] [--n 2000] [--ddpm-n N] [--out runs/quality] [--only ddim-20,heun-10]
//                                  [--precision bf16]
//
// The model defaults to the shipped one. --n sets the sample count of every run (the floor is measured on the same
// n); sampling at 1000 DDPM steps costs 50x a 20-step run, so --ddpm-n (default: --n) can give that row fewer.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolvePrecision } from '../dist/src/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    n: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'runs/quality' },
    only: { type: 'string' },
    batch: { type: 'string', default: '250' },
    'ddpm-n': { type: 'string' },
    precision: { type: 'string', default: 'fp32' },
  },
});

// a report records the precision it ran in: 'auto' is resolved the way `difflab eval` resolves it
const { precision } = resolvePrecision(values.precision);

// name, sampler, steps, guidance. Heun spends 2 evaluations per step but the last: 5 and 10 steps = 9 and 19 NFE.
const runs = [
  ['ddpm-1000', 'ddpm', 1000, 1],
  ['ddim-10', 'ddim', 10, 1],
  ['ddim-20', 'ddim', 20, 1],
  ['ddim-50', 'ddim', 50, 1],
  ['ddim-100', 'ddim', 100, 1],
  ['heun-5', 'heun', 5, 1],
  ['heun-10', 'heun', 10, 1],
  ['dpmpp-2m-10', 'dpmpp-2m', 10, 1],
  ['dpmpp-2m-20', 'dpmpp-2m', 20, 1],
  ['ddim-20-w0', 'ddim', 20, 0],
  ['ddim-20-w3', 'ddim', 20, 3],
  ['ddim-20-w5', 'ddim', 20, 5],
  // Guidance within 20 evaluations (a guided step costs 2).
  ['dpmpp-2m-10-w1.5', 'dpmpp-2m', 10, 1.5],
  ['dpmpp-2m-10-w2', 'dpmpp-2m', 10, 2],
  ['dpmpp-2m-10-w3', 'dpmpp-2m', 10, 3],
];
const only = values.only ? new Set(values.only.split(',')) : null;
mkdirSync(values.out, { recursive: true });

const model = values.model ?? 'models/fashion-mnist.safetensors';
const reports = new Map();
for (const [name, sampler, steps, guidance] of [...runs].sort((a, b) => (a[1] === 'ddpm') - (b[1] === 'ddpm'))) {
  if (only && !only.has(name)) continue;
  const out = join(values.out, `${name}.json`);
  const n = Number(sampler === 'ddpm' ? (values['ddpm-n'] ?? values.n) : values.n);
  // a report older than the model file measured other weights
  const old =
    existsSync(out) && statSync(out).mtimeMs > statSync(model).mtimeMs ? JSON.parse(readFileSync(out, 'utf8')) : null;
  if (
    old &&
    old.model === model &&
    old.sampler === sampler &&
    old.steps === steps &&
    old.guidance === guidance &&
    old.n === n &&
    (old.computePrecision ?? 'fp32') === precision
  ) {
    console.error(`== ${name}: ${out} is already measured`);
    reports.set(name, old);
    continue;
  }
  const args = [
    'bin/difflab.js',
    'eval',
    '--model',
    model,
    '--sampler',
    sampler,
    '--steps',
    String(steps),
    '--guidance',
    String(guidance),
    '--n',
    String(n),
    '--batch',
    values.batch,
    '--precision',
    values.precision,
    '--out',
    out,
  ];
  console.error(`== ${name}: difflab ${args.slice(1).join(' ')}`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 || !existsSync(out)) {
    console.error(`${name} failed (exit ${r.status}); stopping`);
    process.exit(1);
  }
  reports.set(name, JSON.parse(readFileSync(out, 'utf8')));
}
const rows = runs.filter(([name]) => reports.has(name)).map(([name]) => [name, reports.get(name)]);

const f = (x, d = 2) => (x === undefined || x === null ? '' : x.toFixed(d));
console.log(
  `| run | sampler | steps | NFE | guidance | FID | KID x 1000 | class acc. | floor FID | floor KID x 1000 | n |`,
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${r.sampler} | ${r.steps} | ${r.nfe} | ${r.guidance} | ${f(r.fid)} | ${f(1000 * r.kid.mean)} ± ${f(1000 * r.kid.std)} | ` +
      `${r.classAccuracy ? `${f(100 * r.classAccuracy.mean, 1)}%` : ''} | ${f(r.floor.fid)} | ${f(1000 * r.floor.kid.mean)} | ${r.n} |`,
  );
}
