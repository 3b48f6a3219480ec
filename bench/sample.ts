// npm run bench:sample: sampling throughput of the shipped model in fp32 and bf16 at batch 250 (DPM-Solver++(2M),
// 10 steps, every class, guidance 1), both in the same run, alternating to even out machine noise; plus how far
// the bf16 images land from the fp32 ones (same seed: the same starting noise). Then the same model, batch,
// sampler, grid and precisions in PyTorch 1.13 eager (Debian python3-torch, same libtorch, same threads; the
// shipped weights, loaded by name: bench/sample-pytorch.ts), with its default malloc and with difflab's settings.
// Guidance 1 is plain conditional sampling: one network evaluation per step over the batch, no unconditional
// branch, on both sides.
import {
  countEvaluations,
  DEFAULT_MODEL_PATH,
  dpmpp2m,
  getDefaultDevice,
  getNumThreads,
  loadDenoiser,
  noGrad,
  tensor,
  tidy,
  type Precision,
} from '../src/index.js';
import { shippedSampling } from './sample-batch.js';
import { checkInput, difflabMalloc, pytorchSampling, unsupported, type TorchSampling } from './sample-pytorch.js';

const batch = Number(process.env.BENCH_BATCH ?? 250);
const steps = Number(process.env.BENCH_STEPS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function run(precision: Precision): { seconds: number; images: Float32Array } {
  const { once, dispose } = shippedSampling(precision, batch, steps);
  once(); // warm-up: oneDNN picks and caches its kernels
  const t0 = performance.now();
  const images = once();
  const seconds = (performance.now() - t0) / 1000;
  dispose();
  return { seconds, images };
}

const times: Record<Precision, number[]> = { fp32: [], bf16: [] };
let diff = 0;
for (let r = 0; r < rounds; r++) {
  const a = run('fp32'),
    b = run('bf16');
  times.fp32.push(a.seconds);
  times.bf16.push(b.seconds);
  const gaps = a.images.map((v, i) => Math.abs(v - b.images[i]!)).sort();
  diff = gaps[Math.floor(0.99 * (gaps.length - 1))]!;
}

// PyTorch, after difflab's rounds: the model's config and difflab's step grid go to the Python side, and both
// networks run the same fixed input once (a check that the weights were mapped right).
const m = loadDenoiser(DEFAULT_MODEL_PATH);
const evaluations = countEvaluations(dpmpp2m, m.denoiser.schedule, { numSteps: steps }); // per batch
const why = unsupported(m);
if (why) console.error(`PyTorch side skipped: the model is ${why}`);
const ck = checkInput(m.imageShape);
const ourCheck = noGrad(() =>
  tidy(() =>
    m.network
      .forward(tensor(ck.x, ck.shape), tensor(ck.time), m.classNames.length ? { classes: [0, m.nullClass] } : {})
      .toFloat32Array(),
  ),
);
m.network.dispose();
const device = getDefaultDevice();
const o = { weightsPath: DEFAULT_MODEL_PATH, batch, steps, rounds, threads: getNumThreads(), device };
const torch = why ? null : pytorchSampling(m, o);
const tuned = why ? null : pytorchSampling(m, o, difflabMalloc);

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const rate = (seconds: number[]) => (batch * evaluations) / median(seconds);
console.log(
  `shipped model (step ${m.step}), batch ${batch}, dpmpp-2m ${steps} steps (${evaluations} network evaluations per ` +
    `batch, no guidance branch), ${device === 'cpu' ? `${getNumThreads()} threads` : device}, median of ${rounds} rounds`,
);
console.log(
  '| engine | precision | network evaluations (images) per s | seconds per batch | vs PyTorch same precision | vs own fp32 |',
);
console.log('|---|---|---|---|---|---|');
for (const p of ['fp32', 'bf16'] as const) {
  const row = (name: string, t: Record<Precision, number[]>) =>
    console.log(
      `| ${name} | ${p} | ${rate(t[p]).toFixed(0)} | ${median(t[p]).toFixed(2)} | ` +
        `${torch ? (rate(t[p]) / rate(torch[p])).toFixed(2) : 'n/a'} | ${(rate(t[p]) / rate(t.fp32)).toFixed(2)} |`,
    );
  row('difflab', times);
  if (torch) row(`PyTorch ${torch.version} eager`, torch);
  if (tuned) row(`PyTorch ${tuned.version} eager, difflab's malloc settings`, tuned);
}
console.log(`\n99th percentile of |bf16 - fp32| per pixel (images in [-1, 1]): ${diff.toFixed(3)}`);
const report = (t: TorchSampling) => {
  const gap = t.check.reduce((g, v, i) => Math.max(g, Math.abs(v - ourCheck[i]!)), 0);
  console.log(
    `PyTorch model: ${t.params} parameters, weights ${t.weights}; fp32 network output on a fixed input against ` +
      `difflab's: max |diff| ${gap.toExponential(1)}`,
  );
  if (t.evaluations !== evaluations)
    console.log(`warning: PyTorch made ${t.evaluations} network evaluations per batch, difflab ${evaluations}`);
};
if (torch) report(torch);
