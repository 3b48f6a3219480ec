// What bench:sample times and bench:profile traces: one batch of the shipped model's samples, every class in
// turn, DPM-Solver++(2M) with `steps` network evaluations from seed 0.
import { DEFAULT_MODEL_PATH, dpmpp2m, generate, loadDenoiser, noGrad, tidy, type Precision } from '../src/index.js';

export function shippedSampling(precision: Precision, batch: number, steps: number) {
  const m = loadDenoiser(DEFAULT_MODEL_PATH, { precision });
  const classes = Array.from({ length: batch }, (_, i) => i % m.classNames.length);
  const once = (): Float32Array =>
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
  return { once, dispose: () => m.network.dispose() };
}
