// loss.png of a run: the per-step loss from loss.csv (faint) and its running mean, on a log axis.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot, writePng } from '../io/index.js';

/**
 * The running mean of `values` over about `window` points (geometric for positive values), starting at the first
 * value and ending on the mean of the last window/2 + 1. A trailing mean lags: over the first steps, where the loss falls fastest, it stayed far
 * above the losses and kinked down once the first (highest) ones left its window. So the window is centred on each
 * point and, near the start, shrinks to what is on both sides (the first point is its own mean). Near the end it
 * keeps the points behind (a window shrinking to one noisy last loss would hide where the run got to; the loss
 * is nearly flat there, so the lag is small).
 */
export function runningMean(values: readonly number[], window = 50): number[] {
  // Positive losses are averaged as logarithms (a geometric mean): on the plot's log axis a loss falling as a power
  // or an exponential is nearly straight, so a centred window sits on it instead of above it (arithmetic means of
  // the steep start were up to 2x the losses).
  const geometric = values.every((v) => !Number.isFinite(v) || v > 0);
  const mean = runningArithmeticMean(geometric ? values.map(Math.log) : values, window);
  return geometric ? mean.map(Math.exp) : mean;
}

function runningArithmeticMean(values: readonly number[], window: number): number[] {
  const half = Math.max(0, Math.floor(window / 2)),
    n = values.length;
  // Prefix sums and counts of the finite values (a NaN step the trainer skipped must not poison every later mean).
  const [sum, count] = [[0], [0]];
  for (const v of values) {
    const ok = Number.isFinite(v);
    sum.push(sum.at(-1)! + (ok ? v : 0));
    count.push(count.at(-1)! + (ok ? 1 : 0));
  }
  return values.map((_, i) => {
    // Near the start the window grows with the step (reaching i/2 each way): a loss falling as a power of the step
    // is steepest there, and a window as wide as the distance to the start would sit well above it.
    const reach = Math.min(half, Math.floor(i / 2));
    const [from, to] = [i - reach, Math.min(n - 1, i + reach)];
    const k = count[to + 1]! - count[from]!;
    return k > 0 ? (sum[to + 1]! - sum[from]!) / k : NaN;
  });
}

/** Redraws runDir/loss.png from runDir/loss.csv (nothing when there are no rows yet). */
export function writeLossPlot(runDir: string, window = 50): void {
  const csv = join(runDir, 'loss.csv');
  if (!existsSync(csv)) return;
  const rows = readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((r) => r.split(',').map(Number));
  if (rows.length < 2) return;
  const steps = rows.map((r) => r[0]!),
    loss = rows.map((r) => r[1]!);
  writePng(
    join(runDir, 'loss.png'),
    linePlot(
      [
        { label: 'loss', x: steps, y: loss, color: [190, 200, 230] },
        {
          label: `mean of ${2 * Math.floor(window / 2) + 1}`,
          x: steps,
          y: runningMean(loss, window),
          color: [30, 80, 200],
        },
      ],
      { title: 'training loss', xLabel: 'step', yLabel: 'loss', logY: true },
    ),
  );
}
