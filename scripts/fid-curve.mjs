// FID against training images seen (issue 15): `difflab eval` at n images (DPM-Solver++(2M), 10 evaluations,
// w = 1, seed 0) on each checkpoint of a run, or each model file given; reports already measured are read back.
// Prints one markdown row per model: its training step, FID, floor, ratio, class accuracy.
//
//   node scripts/fid-curve.mjs [--n 2000] [--out runs/curve] [--every 2] RUN_DIR_OR_MODEL...
//
// A run folder contributes its checkpoints (every --every-th, and always the newest); a model file itself.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'runs/curve' },
    every: { type: 'string', default: '1' },
  },
});
mkdirSync(values.out, { recursive: true });

const models = positionals.flatMap((p) => {
  if (!statSync(p).isDirectory()) return [p];
  const dir = join(p, 'checkpoints');
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => join(dir, f));
  const every = Number(values.every);
  return all.filter((_, i) => i % every === every - 1 || i === all.length - 1);
});

console.log('| model | step | FID | floor | FID / floor | class acc. |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const model of models) {
  const name = `${basename(model.replace(/\/checkpoints\//, '-'), '.safetensors')}-n${values.n}`;
  const out = join(values.out, `${name}.json`);
  if (!existsSync(out)) {
    const args = ['eval', '--model', model, '--sampler', 'dpmpp-2m', '--steps', '10', '--guidance', '1'];
    args.push('--n', values.n, '--precision', 'bf16', '--out', out);
    console.error(`== difflab ${args.join(' ')}`);
    const r = spawnSync(process.execPath, ['bin/difflab.js', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) process.exit(1);
  }
  const r = JSON.parse(readFileSync(out, 'utf8'));
  console.log(
    `| ${model} | ${r.modelStep ?? ''} | ${r.fid.toFixed(3)} | ${r.floor.fid.toFixed(3)} | ` +
      `${(r.fid / r.floor.fid).toFixed(1)}x | ${(100 * r.classAccuracy.mean).toFixed(1)}% |`,
  );
}
