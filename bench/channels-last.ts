// Does channels-last (NHWC) memory help a network preset on this CPU? Times forward + backward at batch 128
// for contiguous weights and inputs, channels-last inputs only, and channels-last inputs and conv weights.
// Usage: node dist/bench/channels-last.js [--preset default] [--batch 128] [--steps 4]
import { parseArgs } from 'node:util';
import { Rng, getNumThreads, mseLoss, tidy, zeros } from '../src/index.js';
import { buildNetwork, presetConfig, type MemoryFormat } from '../src/networks/index.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'default' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '4' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
const config = presetConfig(values.preset!);

interface Variant {
  name: string;
  weights: MemoryFormat;
  input: MemoryFormat;
}
const variants: Variant[] = [
  { name: 'contiguous', weights: 'contiguous', input: 'contiguous' },
  { name: 'channels-last input only', weights: 'contiguous', input: 'channels-last' },
  { name: 'channels-last input + weights', weights: 'channels-last', input: 'channels-last' },
];

console.log(
  `${values.preset} preset, batch ${batch}, ${getNumThreads()} threads, ${steps} timed steps after 1 warm-up`,
);
for (const v of variants) {
  const rng = new Rng(0);
  const net = buildNetwork(config, { rng, memoryFormat: v.weights }).train();
  const x0 = rng.randn([batch, config.imageChannels, 28, 28]);
  const x = v.input === 'channels-last' ? x0.channelsLast() : x0; // (N, 1, 28, 28)
  const t = rng.rand([batch]);
  const classes = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const times: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const start = performance.now();
    tidy(() => {
      const loss = mseLoss(net.forward(x, t, { classes, rng }), zeros(x.shape));
      loss.backward();
    });
    for (const p of net.parameters()) p.clearGrad();
    if (i > 0) times.push(performance.now() - start);
  }
  const ms = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `${v.name.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms/step  ${(batch / (ms / 1000)).toFixed(1).padStart(6)} img/s`,
  );
  net.dispose();
}
