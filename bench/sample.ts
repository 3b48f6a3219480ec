// npm run bench:sample: sampling throughput of the shipped model in fp32 and bf16 at batch 250 (DPM-Solver++(2M),
// 10 steps, every class, guidance 1), both in the same run, alternating to even out machine noise; plus how far
// the bf16 images land from the fp32 ones (same seed: the same starting noise).
import {
  DEFAULT_MODEL_PATH,
  dpmpp2m,
  generate,
  getNumThreads,
  loadDenoiser,
  noGrad,
  tidy,
  type Precision,
} from '../src/index.js';

const batch = Number(process.env.BENCH_BATCH ?? 250);
const steps = Number(process.env.BENCH_STEPS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function run(precision: Precision): { seconds: number; images: Float32Array } {
  const m = loadDenoiser(DEFAULT_MODEL_PATH, { precision });
  const classes = Array.from({ length: batch }, (_, i) => i % m.classNames.length);
  const once = () =>
    noGrad(() =>
      tidy(() =>
        generate(m.denoiser, {
          sampler: dpmpp2m,
          numSteps: steps,
          count: batch,
          batchSize: batch,
          seed: 0,
          imageShape: m.imageShape,
          classes,
        }).toFloat32Array(),
      ),
    );
  once(); // warm-up: oneDNN picks and caches its kernels
  const t0 = performance.now();
  const images = once();
  const seconds = (performance.now() - t0) / 1000;
  m.network.dispose();
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
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const rate = (p: Precision) => (batch * steps) / median(times[p]);
console.log(
  `shipped model, batch ${batch}, dpmpp-2m ${steps} steps, ${getNumThreads()} threads, median of ${rounds} rounds`,
);
console.log('| precision | network evaluations (images) per s | seconds per batch | vs fp32 |');
console.log('|---|---|---|---|');
for (const p of ['fp32', 'bf16'] as const) {
  console.log(
    `| ${p} | ${rate(p).toFixed(0)} | ${median(times[p]).toFixed(2)} | ${(rate(p) / rate('fp32')).toFixed(2)} |`,
  );
}
console.log(`\n99th percentile of |bf16 - fp32| per pixel (images in [-1, 1]): ${diff.toFixed(3)}`);
