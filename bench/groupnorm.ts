// GroupNorm + SiLU, forward and backward, on the default preset's activation shapes: the fused kernel
// (native/groupnorm.cc) against the path before it (libtorch's group_norm on a float32 NCHW copy, then SiLU).
// Usage: node dist/bench/groupnorm.js [--batch 64] [--reps 20]
import { parseArgs } from 'node:util';
import { Rng, getNumThreads, groupNorm, ones, tidy, zeros, type Tensor } from '../src/index.js';

const { values } = parseArgs({
  options: { batch: { type: 'string', default: '64' }, reps: { type: 'string', default: '20' } },
});
const batch = Number(values.batch),
  reps = Number(values.reps);
// (channels, size) of the default preset's levels: 32/64/96 channels at 28/14/7, 8 groups
const levels: [number, number][] = [
  [32, 28],
  [64, 14],
  [96, 7],
];
const cases = [
  { name: 'fp32 NCHW', dtype: 'float32', channelsLast: false },
  { name: 'bf16 channels-last', dtype: 'bfloat16', channelsLast: true },
] as const;

function timeMs(fn: () => void): number {
  for (let i = 0; i < 3; i++) tidy(fn); // warm-up (allocator, threads)
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) tidy(fn);
  return Number(process.hrtime.bigint() - start) / 1e6 / reps;
}

console.log(`batch ${batch}, ${getNumThreads()} threads, ${reps} reps; ms per forward+backward (GroupNorm(8) + SiLU)`);
for (const { name, dtype, channelsLast } of cases)
  for (const [c, size] of levels) {
    const rng = new Rng(0);
    const base = rng.randn([batch, c, size, size]);
    const x = (channelsLast ? base.channelsLast() : base).to(dtype).setRequiresGrad(true);
    const w = ones([c]).setRequiresGrad(true),
      b = zeros([c]).setRequiresGrad(true);
    const step = (f: (x: Tensor) => Tensor) => () => {
      const y = f(x);
      y.backward(y.detach()); // d(sum(y^2)/2)/dy = y, in y's dtype and layout
    };
    const fused = timeMs(step((v) => groupNorm(v, 8, w, b, { activation: 'silu' })));
    const old = timeMs(step((v) => groupNorm(v, 8, w, b, { kernel: 'libtorch' }).silu()));
    console.log(
      `${name.padEnd(20)} ${`${c}x${size}x${size}`.padEnd(10)} fused ${fused.toFixed(2)}  before ${old.toFixed(2)}  (${(old / fused).toFixed(2)}x)`,
    );
  }
