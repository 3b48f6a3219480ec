// `difflab demo`: a tiny end-to-end run that needs no data or model: trains a small convolutional denoiser on
// synthetic shapes for a few steps (x + sigma*eps -> x) and writes clean / noisy / denoised rows as a PNG.
import { Progress } from '../progress.js';
import {
  Adam,
  Rng,
  cat,
  noGrad,
  tensor,
  tidy,
  mseLoss,
  Conv2d,
  Module,
  imageGrid,
  writePng,
  type Tensor,
} from '../../index.js';
import { UsageError, num, str, type Command } from '../command.js';
import { MAX_SEED, checkOutputPath } from '../limits.js';

class TinyDenoiser extends Module {
  readonly layers: Conv2d[];
  constructor(rng: Rng, width = 24) {
    super();
    this.layers = this.children('layers', [
      new Conv2d(1, width, 3, { rng }),
      new Conv2d(width, width, 3, { rng }),
      new Conv2d(width, 1, 3, { rng }),
    ]);
  }
  forward(x: Tensor): Tensor {
    const [a, b, c] = this.layers as [Conv2d, Conv2d, Conv2d];
    return x.add(c.forward(b.forward(a.forward(x).silu()).silu()));
  }
}

/** n random white rectangles on black, 16x16, in [-1, 1]. */
function shapes(rng: Rng, n: number, size = 16): Tensor {
  const data = new Float32Array(n * size * size).fill(-1);
  for (let i = 0; i < n; i++) {
    const [x0, y0] = [rng.int(size - 4), rng.int(size - 4)];
    const [w, h] = [3 + rng.int(size - x0 - 3), 3 + rng.int(size - y0 - 3)];
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data[i * size * size + y * size + x] = 1;
  }
  return tensor(data, [n, 1, size, size]);
}

/** The demo's settings unless told: enough steps for the loss to fall visibly in seconds, a clearly noisy input. */
const demoDefaults = { steps: 150, seed: 0, sigma: 0.5, out: 'runs/demo.png' };

/** The options as the demo's settings (defaults: demoDefaults). */
export function readDemoSettings(v: Record<string, unknown>): typeof demoDefaults {
  const d = demoDefaults;
  const steps = num(v.steps, 'steps', d.steps, { min: 1, max: 100_000, integer: true });
  const seed = num(v.seed, 'seed', d.seed, { min: 0, max: MAX_SEED, integer: true });
  const sigma = num(v.sigma, 'sigma', d.sigma, { min: 0, max: 10 });
  const out = str(v.out, 'out', d.out);
  if (!out.toLowerCase().endsWith('.png')) throw new UsageError(`--out must name a .png file, got '${out}'`);
  return { steps, seed, sigma, out };
}

export const demo: Command = {
  name: 'demo',
  summary: 'train a tiny denoiser on synthetic shapes for a few steps and write a PNG',
  usage: '[--steps N] [--seed S] [--out FILE]',
  options: {
    steps: { type: 'string', help: 'training steps', default: String(demoDefaults.steps) },
    seed: { type: 'string', help: 'random seed', default: String(demoDefaults.seed) },
    sigma: {
      type: 'string',
      help: 'noise level of the inputs (images in [-1, 1])',
      default: String(demoDefaults.sigma),
    },
    out: { type: 'string', help: 'output PNG', default: demoDefaults.out },
  },
  run(v) {
    const { steps, seed, sigma, out } = readDemoSettings(v);
    checkOutputPath('out', out);
    const rng = new Rng(seed);
    const net = new TinyDenoiser(rng);
    const opt = new Adam(net.parameters(), { lr: 3e-3 });
    let first = 0,
      last = 0;
    const bar = new Progress({ label: 'demo', total: steps, unit: 'step' });
    for (let step = 1; step <= steps; step++) {
      const loss = tidy(() => {
        const x = shapes(rng, 32);
        const l = mseLoss(net.forward(x.add(rng.randn(x.shape).mul(sigma))), x);
        opt.zeroGrad();
        l.backward();
        opt.update();
        return l.item();
      });
      if (step === 1) first = loss;
      last = loss;
      bar.update(step, `loss ${loss.toFixed(4)}`);
    }
    bar.done();
    tidy(() =>
      noGrad(() => {
        const clean = shapes(rng, 8);
        const noisy = clean.add(rng.randn(clean.shape).mul(sigma));
        writePng(out, imageGrid(cat([clean, noisy, net.forward(noisy)]), { nrow: 8, scale: 4 }));
      }),
    );
    console.log(`loss ${first.toFixed(4)} -> ${last.toFixed(4)}; wrote ${out} (rows: clean, noisy, denoised)`);
    return 0;
  },
};
