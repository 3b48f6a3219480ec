// The score model's parameterisation seen through its denoiser. The network returns h; the score-based tutorial
// divides h by sigma_t inside its network to get the score, difflab's 'scaled-score' prediction does it instead
// (diffusion/conversions.ts). Either way the denoiser's x0 must imply the score h / sigma_t, i.e. eps = -h.
import {
  fromX0,
  imageNetwork,
  imageDenoiser,
  networkTime,
  noGrad,
  perRow,
  runSchedule,
  tidy,
  type Network,
  type Rng,
  type TrainConfig,
} from '../src/index.js';

/**
 * At random x and the given noise levels: the score the model's denoiser implies (-eps / sigma_t, from its x0)
 * and the raw network's h / sigma_t at the same x_t and time. Equal when the division is kept; with levels away
 * from 1 they differ by a factor sigma_t when it is lost.
 */
export function scoreAgainstScaledOutput(
  network: Network,
  config: TrainConfig,
  o: { levels: number[]; rng: Rng },
): { score: Float64Array; hOverSigma: Float64Array } {
  const s = runSchedule(config),
    d = imageDenoiser(network, config, { clipX0: null });
  return noGrad(() =>
    tidy(() => {
      const { imageChannels: c } = config.network,
        size = config.imageSize;
      const x = o.rng.randn([o.levels.length, c, size, size]); // x_t / alpha_t, the denoiser's frame
      const t = o.levels.map((l) => s.timeAt(l));
      const ab = {
        a: perRow(
          t.map((ti) => s.alpha(ti)),
          x,
        ),
        b: perRow(
          t.map((ti) => s.sigma(ti)),
          x,
        ),
      };
      const xt = x.mul(ab.a);
      const score = fromX0('score', d.denoise(x, o.levels, null), xt, ab); // (N, C, H, W)
      const h = imageNetwork(network)(xt, networkTime(s, t, x), null); // (N, C, H, W)
      return { score: score.toFloat64Array(), hOverSigma: h.div(ab.b).toFloat64Array() };
    }),
  );
}
