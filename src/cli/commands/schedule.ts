// `difflab schedule`: the noise schedules side by side: alpha_bar and log-SNR against normalised time, as a PNG.
import {
  alphaBar, edm, linePlot, logSnr, stackImages, veSde, vpCosine, vpLinear, vpSigmoid, writePng, type Schedule,
} from '../../index.js';
import { num, str, type Command } from '../command.js';

export const schedule: Command = {
  name: 'schedule',
  summary: 'plot alpha_bar and log-SNR of the noise schedules (VP linear/cosine/sigmoid, VE, EDM)',
  usage: '--plot FILE.png [--points N]',
  options: {
    plot: { type: 'string', help: 'output PNG' },
    points: { type: 'string', help: 'points per curve', default: '200' },
  },
  run(v) {
    const out = str(v.plot, 'plot');
    const points = num(v.points, 'points', 200, { min: 2, max: 100_000, integer: true });
    const schedules: Schedule[] = [vpLinear(), vpCosine(), vpSigmoid(), veSde(), edm()];
    // Normalised time u in [0, 1] spans each schedule's [tMin, tMax] (discrete: 1..T).
    const u = Array.from({ length: points }, (_, i) => i / (points - 1));
    const curves = (f: (s: Schedule, t: number) => number) => schedules.map((s) => ({
      label: s.name, x: u, y: u.map((ui) => f(s, s.tMin + ui * (s.tMax - s.tMin))),
    }));
    writePng(out, stackImages([
      linePlot(curves(alphaBar), { title: 'alpha_bar', xLabel: 'normalised time t', height: 360 }),
      linePlot(curves(logSnr), { title: 'log SNR = log(alpha_bar / (1 - alpha_bar))', xLabel: 'normalised time t', height: 360 }),
    ]));
    for (const s of schedules) {
      console.log(`${s.name.padEnd(10)} alpha_bar ${alphaBar(s, s.tMin).toPrecision(4)} .. ${alphaBar(s, s.tMax).toExponential(3)}, log-SNR ${logSnr(s, s.tMin).toFixed(2)} .. ${logSnr(s, s.tMax).toFixed(2)}`);
    }
    console.log(`wrote ${out}`);
    return 0;
  },
};
