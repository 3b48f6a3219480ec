// `difflab schedule`: the noise schedules side by side as a PNG: alpha_bar, log-SNR, the noise coefficient sigma_t,
// the diffusion coefficient g(t) of each schedule's SDE and the per-step beta_t of the discrete ones.
import {
  alphaBar,
  edm,
  linePlot,
  logSnr,
  stackImages,
  veSde,
  vpCosine,
  vpLinear,
  vpSigmoid,
  writePng,
  type Curve,
  type PlotOptions,
  type Schedule,
} from '../../index.js';
import { num, str, type Command } from '../command.js';

/**
 * g(t) of the SDE dx = f(t) x dt + g(t) dw whose marginals are x_t = alpha x0 + sigma eps (Kingma et al. 2021):
 * g^2 = d sigma^2/dt - 2 (d log alpha/dt) sigma^2, by central differences in the schedule's own time (VE:
 * lambda^t; discrete VP: about beta_t per step).
 */
function diffusionCoefficient(s: Schedule, t: number): number {
  const h = (s.tMax - s.tMin) * 1e-4;
  const [a, b] = [Math.max(s.tMin, t - h), Math.min(s.tMax, t + h)];
  const dSigma2 = (s.sigma(b) ** 2 - s.sigma(a) ** 2) / (b - a);
  const dLogAlpha = (Math.log(s.alpha(b)) - Math.log(s.alpha(a))) / (b - a);
  return Math.sqrt(Math.max(0, dSigma2 - 2 * dLogAlpha * s.sigma(t) ** 2));
}

/** beta_t = 1 - alpha_bar_t / alpha_bar_(t-1) of a discrete schedule (integer t >= 1). */
const beta = (s: Schedule, t: number): number => 1 - alphaBar(s, t) / (t > 1 ? alphaBar(s, t - 1) : 1);

const allSchedules = (lambda: number): Schedule[] => [vpLinear(), vpCosine(), vpSigmoid(), veSde({ lambda }), edm()];

/** The figure's defaults: the VE schedule's lambda in g(t) = lambda^t, and points per curve. */
export const scheduleFigureDefaults = { lambda: 25, points: 200 };

/** The figure's panels, top to bottom: each one's curves (one per schedule) and plot options. */
export function schedulePanels(
  o: {
    /** The VE schedule's lambda in g(t) = lambda^t. Default 25. */ lambda?: number;
    /** Points per curve. Default 200. */ points?: number;
  } = {},
): { curves: Curve[]; options: PlotOptions }[] {
  const { lambda = scheduleFigureDefaults.lambda, points = scheduleFigureDefaults.points } = o;
  const schedules = allSchedules(lambda);
  // Normalised time u in [0, 1] spans each schedule's [tMin, tMax] (discrete: 1..T).
  const u = Array.from({ length: points }, (_, i) => i / (points - 1));
  const curves = (f: (s: Schedule, t: number) => number, only = schedules): Curve[] =>
    only.map((s) => ({
      label: s.name,
      x: u,
      y: u.map((ui) => f(s, s.tMin + ui * (s.tMax - s.tMin))),
    }));
  const discrete = schedules.filter((s) => s.numTimesteps !== null);
  const panel = { xLabel: 'normalised time t', height: 300 };
  return [
    { curves: curves(alphaBar), options: { ...panel, title: 'alpha_bar' } },
    { curves: curves(logSnr), options: { ...panel, title: 'log SNR = log(alpha_bar / (1 - alpha_bar))' } },
    {
      curves: curves((s, t) => s.sigma(t)),
      options: { ...panel, title: 'sigma_t (noise coefficient; VE: the marginal std)', logY: true },
    },
    {
      curves: curves(diffusionCoefficient),
      options: {
        ...panel,
        title: `g(t) of the SDE (VE: lambda^t, lambda = ${lambda}; VP: sqrt(beta))`,
        logY: true,
      },
    },
    {
      curves: curves((s, t) => beta(s, Math.round(t)), discrete),
      options: { ...panel, title: 'beta_t per step (discrete VP schedules)', logY: true },
    },
  ];
}

export const schedule: Command = {
  name: 'schedule',
  summary: 'plot the noise schedules: alpha_bar, log-SNR, sigma_t, g(t), beta_t (VP linear/cosine/sigmoid, VE, EDM)',
  usage: '--plot FILE.png [--points N] [--lambda 25]',
  options: {
    plot: { type: 'string', help: 'output PNG' },
    points: { type: 'string', help: 'points per curve', default: String(scheduleFigureDefaults.points) },
    lambda: {
      type: 'string',
      help: "the VE schedule's lambda in g(t) = lambda^t",
      default: String(scheduleFigureDefaults.lambda),
    },
  },
  run(v) {
    const { out, points, lambda } = readScheduleSettings(v);
    writePng(out, stackImages(schedulePanels({ lambda, points }).map((p) => linePlot(p.curves, p.options))));
    const schedules = allSchedules(lambda);
    for (const s of schedules) {
      console.log(
        `${s.name.padEnd(10)} alpha_bar ${alphaBar(s, s.tMin).toPrecision(4)} .. ${alphaBar(s, s.tMax).toExponential(3)}, ` +
          `log-SNR ${logSnr(s, s.tMin).toFixed(2)} .. ${logSnr(s, s.tMax).toFixed(2)}, sigma_t ${s.sigma(s.tMin).toPrecision(3)} .. ${s.sigma(s.tMax).toPrecision(3)}`,
      );
    }
    console.log(`wrote ${out}`);
    return 0;
  },
};

/** The options as the figure's settings (defaults: scheduleFigureDefaults). */
export function readScheduleSettings(v: Record<string, unknown>): { out: string; points: number; lambda: number } {
  const d = scheduleFigureDefaults;
  return {
    out: str(v.plot, 'plot'),
    points: num(v.points, 'points', d.points, { min: 2, max: 100_000, integer: true }),
    lambda: num(v.lambda, 'lambda', d.lambda, { above: 1 }),
  };
}
