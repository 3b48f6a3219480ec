// loss.png of a run: the per-step loss from loss.csv (faint) and its moving average, on a log axis.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot, writePng } from '../io/index.js';

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
  const smooth = loss.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    return loss.slice(from, i + 1).reduce((a, b) => a + b, 0) / (i + 1 - from);
  });
  writePng(
    join(runDir, 'loss.png'),
    linePlot(
      [
        { label: 'loss', x: steps, y: loss, color: [190, 200, 230] },
        { label: `mean of ${window}`, x: steps, y: smooth, color: [30, 80, 200] },
      ],
      { title: 'training loss', xLabel: 'step', yLabel: 'loss', logY: true },
    ),
  );
}
