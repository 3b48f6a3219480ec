// npm run bench:precision: does bf16 cost quality? (issue 13, item 4). Trains the default preset the same number
// of steps in fp32 and in bf16 (same seed, Fashion-MNIST, class-conditional), compares their final losses, and
// measures FID at n = 2000 (DPM-Solver++(2M), 10 steps, w = 1) for each with two noise seeds (the spread); then
// samples the shipped model in fp32 and bf16 the same way. Runs go to runs/precision/ and resume: a finished run
// or report is read back, not redone. A run this size takes about 40 minutes on the 2-core CPU.
//
//   node bench/precision-quality.mjs [--steps 800] [--n 2000] [--out runs/precision]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '800' },
    n: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'runs/precision' },
  },
});
const difflab = (...args) => {
  console.error(`== difflab ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['bin/difflab.js', ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`failed (exit ${r.status})`);
    process.exit(1);
  }
};

const lossAtEnd = (run) => {
  const rows = readFileSync(join(run, 'loss.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((r) => Number(r.split(',')[1]));
  const tail = rows.slice(-100);
  const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
  const sd = Math.sqrt(tail.reduce((a, b) => a + (b - mean) ** 2, 0) / (tail.length - 1));
  return { mean, se: sd / Math.sqrt(tail.length) };
};

const rows = [];
const evaluate = (label, model, precision, seed) => {
  const out = join(values.out, `${label}-${precision}-seed${seed}.json`);
  if (!existsSync(out)) {
    difflab(
      'eval',
      '--model',
      model,
      '--sampler',
      'dpmpp-2m',
      '--steps',
      '10',
      '--n',
      values.n,
      '--seed',
      String(seed),
      '--precision',
      precision,
      '--out',
      out,
    );
  }
  const r = JSON.parse(readFileSync(out, 'utf8'));
  rows.push({ label, precision, seed, fid: r.fid, floor: r.floor.fid, acc: r.classAccuracy?.mean ?? NaN });
};

const trained = {};
for (const precision of ['fp32', 'bf16']) {
  const run = join(values.out, `train-${precision}`);
  if (!existsSync(join(run, 'model.safetensors'))) {
    difflab(
      'train',
      '--data',
      'fashion-mnist',
      '--classes',
      '--steps',
      values.steps,
      '--seed',
      '0',
      '--precision',
      precision,
      '--sample-every',
      '0',
      '--out',
      run,
      ...(existsSync(join(run, 'config.json')) ? ['--resume'] : []),
    );
  }
  trained[precision] = { run, loss: lossAtEnd(run) };
}
for (const precision of ['fp32', 'bf16']) {
  for (const seed of [0, 1])
    evaluate(`trained-${precision}`, join(trained[precision].run, 'model.safetensors'), 'fp32', seed);
}
for (const precision of ['fp32', 'bf16']) {
  for (const seed of [0, 1]) evaluate('shipped', 'models/fashion-mnist.safetensors', precision, seed);
}

console.log(
  `Training: default preset, ${values.steps} steps of 128, seed 0; loss = mean of the last 100 steps ± its standard error`,
);
console.log('| trained in | final loss |');
console.log('|---|---|');
for (const p of ['fp32', 'bf16'])
  console.log(`| ${p} | ${trained[p].loss.mean.toFixed(4)} ± ${trained[p].loss.se.toFixed(4)} |`);
console.log(`\nFID at n = ${values.n} (DPM-Solver++(2M) 10 steps, w = 1), noise seeds 0 and 1`);
console.log('| model | sampled in | FID seed 0 | FID seed 1 | floor | class accuracy (seed 0) |');
console.log('|---|---|---|---|---|---|');
const keys = [...new Set(rows.map((r) => `${r.label}|${r.precision}`))];
for (const k of keys) {
  const [a, b] = rows.filter((r) => `${r.label}|${r.precision}` === k);
  console.log(
    `| ${a.label} | ${a.precision} | ${a.fid.toFixed(3)} | ${b.fid.toFixed(3)} | ${a.floor.toFixed(3)} | ${(100 * a.acc).toFixed(1)}% |`,
  );
}
