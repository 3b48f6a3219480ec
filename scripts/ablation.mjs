// Issue 15's recipe ablation: every row trains the same number of steps from scratch on Fashion-MNIST (same seed,
// bf16, class-conditional), then `difflab eval` measures its EMA weights at n images with two noise seeds
// (DPM-Solver++(2M), 10 evaluations, w = 1). Rows already trained or measured are read back, so an interrupted
// ablation resumes where it stopped (rerun the same command); the markdown table goes to stdout.
//
//   node scripts/ablation.mjs [--steps 500] [--n 2000] [--out runs/ablation] [--only base,v-cosine]
//
// A row's flags are added to the shared ones; every flag is a `difflab train` option (the table's recipe can be
// rerun from the CLI alone).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '500' },
    n: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'runs/ablation' },
    only: { type: 'string' },
  },
});

// name, what it changes, its train flags
const rows = [
  ['base', "today's recipe: eps, linear schedule, width 32, no attention at 14x14", []],
  ['base-seed1', 'the same with training seed 1 (the spread between runs)', ['--seed', '1']],
  ['v-cosine', 'v-prediction on the cosine schedule', ['--prediction', 'v', '--schedule', 'cosine']],
  ['min-snr5', 'min-SNR-5 weighting (eps, linear)', ['--min-snr', '5']],
  ['edm', 'EDM preconditioning, log-normal noise levels', ['--prediction', 'edm', '--schedule', 'edm']],
  ['width48', 'base width 48', ['--width', '48']],
  ['attn14', 'self-attention at 14x14 too', ['--attention', '1']],
  ['lr2e-3', 'peak learning rate 2e-3', ['--lr', '2e-3']],
];
const only = values.only ? new Set(values.only.split(',')) : null;
mkdirSync(values.out, { recursive: true });
const difflab = (args) => {
  console.error(`== difflab ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['bin/difflab.js', ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`failed (exit ${r.status}); stopping`);
    process.exit(1);
  }
};

const common = ['--data', 'fashion-mnist', '--classes', '--steps', values.steps, '--batch', '128'];
const sched = ['--warmup', '100', '--precision', 'bf16', '--checkpoint-every', '100', '--sample-every', '0'];
const results = [];
for (const [name, what, flags] of rows) {
  if (only && !only.has(name)) continue;
  const run = join(values.out, name);
  const model = join(run, 'model.safetensors');
  if (!existsSync(model)) {
    const resume = existsSync(join(run, 'config.json')) ? ['--resume'] : [];
    const t0 = Date.now();
    difflab(['train', ...common, ...sched, ...flags, ...resume, '--out', run]);
    console.error(`${name}: trained in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  }
  const reports = [0, 1].map((seed) => {
    const out = join(values.out, `${name}-seed${seed}.json`);
    if (!existsSync(out)) {
      difflab([
        'eval',
        ...['--model', model, '--sampler', 'dpmpp-2m', '--steps', '10', '--guidance', '1'],
        ...['--n', values.n, '--seed', String(seed), '--precision', 'bf16', '--out', out],
      ]);
    }
    return JSON.parse(readFileSync(out, 'utf8'));
  });
  const loss = readFileSync(join(run, 'loss.csv'), 'utf8').trim().split('\n').slice(1);
  const last = loss.slice(-50).map((l) => Number(l.split(',')[1]));
  results.push({ name, what, flags, reports, loss: last.reduce((a, b) => a + b, 0) / last.length });
}

const f = (x, d = 2) => x.toFixed(d);
console.log(
  `| row | change | train flags | FID seed 0 | FID seed 1 | mean | floor | mean / floor | class acc. | loss (last 50) |`,
);
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  const [a, b] = r.reports;
  const mean = (a.fid + b.fid) / 2;
  const acc = (a.classAccuracy.mean + b.classAccuracy.mean) / 2;
  console.log(
    `| ${r.name} | ${r.what} | \`${r.flags.join(' ') || '-'}\` | ${f(a.fid)} | ${f(b.fid)} | ${f(mean)} | ` +
      `${f(a.floor.fid)} | ${f(mean / a.floor.fid, 1)}x | ${f(100 * acc, 1)}% | ${f(r.loss, 4)} |`,
  );
}
