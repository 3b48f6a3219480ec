// Issue 29's figure fixes, checked on the layout each figure is drawn from rather than on its pixels: the schedule
// plot's legends clear of every curve, a running mean of the loss that starts at the data and does not lag, three or
// more labelled ticks on every axis (a loss curve inside one decade too), and titled, labelled class previews.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LINE_WIDTH,
  decodePng,
  plotLayout,
  resolveTrainConfig,
  runningMean,
  writeLossPlot,
  type PixelBox,
  type PlotLayout,
} from '../src/index.js';
import { schedulePanels } from '../src/cli/commands/schedule.js';
import { previewPlan } from '../src/cli/commands/train-previews.js';
import { tempDir } from './helpers.js';

/** Points of a curve's drawn line (sampled every half pixel) that fall in the box grown by half the line's width. */
function curvePixelsIn(layout: PlotLayout, b: PixelBox): string[] {
  const r = LINE_WIDTH / 2;
  const hits: string[] = [];
  for (const { label, points: p } of layout.lines) {
    for (let i = 1; i < p.length; i++) {
      const [[x0, y0], [x1, y1]] = [p[i - 1]!, p[i]!];
      const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
      for (let k = 0; k <= n; k++) {
        const [x, y] = [x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n];
        if (x >= b.x - r && x <= b.x + b.w + r && y >= b.y - r && y <= b.y + b.h + r)
          hits.push(`${label} at (${x.toFixed(0)}, ${y.toFixed(0)})`);
      }
    }
  }
  return hits;
}

test("schedule --plot: every panel's legend is clear of every curve", () => {
  const panels = schedulePanels();
  assert.equal(panels.length, 5);
  for (const { curves, options } of panels) {
    const layout = plotLayout(curves, options);
    const hits = curvePixelsIn(layout, layout.legend);
    assert.deepEqual(hits.slice(0, 3), [], `${options.title}: the legend covers ${hits.length} curve points`);
  }
  // Negative control: the legend's old fixed place (top right of the plot area) is crossed by VE's and EDM's
  // sigma_t, which end at the top right; the check above would have caught it.
  const sigma = panels.find((p) => p.options.title?.startsWith('sigma_t'))!;
  const layout = plotLayout(sigma.curves, sigma.options);
  const { frame, legend } = layout;
  const topRight = { x: frame.x + frame.w - legend.w - 8, y: frame.y + 8, w: legend.w, h: legend.h };
  assert.ok(
    curvePixelsIn(layout, topRight).some((h) => h.startsWith('ve')),
    'VE crosses the top-right corner',
  );
});

test('a plot whose every corner is inked puts its legend outside the plot area', () => {
  // A noisy band fills the plot area from edge to edge, as a long run's flat loss does.
  const x = Array.from({ length: 400 }, (_, i) => i);
  const y = x.map((i) => 0.04 + 0.01 * Math.sin(i * 1.7));
  const layout = plotLayout([{ label: 'loss', x, y }], { logY: true });
  assert.ok(layout.legend.outside);
  assert.ok(layout.legend.x > layout.frame.x + layout.frame.w, 'right of the plot area');
  assert.ok(layout.legend.x + layout.legend.w <= layout.width, 'inside the image');
  assert.deepEqual(curvePixelsIn(layout, layout.legend), []);
});

test('every axis gets three or more distinct labelled ticks, a log axis inside one decade too', () => {
  const x = Array.from({ length: 50 }, (_, i) => i + 1);
  const ranges: [number, number, boolean][] = [
    [0.043, 0.045, true], // a long run's loss: the axis once had only powers of ten, so none at all
    [0.02, 0.09, true],
    [0.0412, 0.0414, true],
    [1e-4, 1, true],
    [1, 11.5, false], // steps of 5 gave two ticks (5 and 10)
    [1000.01, 1000.02, false], // labels need more than four digits to differ
    [-3, 2, false],
  ];
  for (const [lo, hi, logY] of ranges) {
    const y = x.map((i) => lo + ((hi - lo) * (i - 1)) / 49);
    const layout = plotLayout([{ label: 'c', x, y }], { logY, title: 't', xLabel: 'step' });
    for (const [axis, ticks] of [
      ['x', layout.xTicks],
      ['y', layout.yTicks],
    ] as const) {
      const labels = ticks.map((t) => t.label);
      const what = `[${lo}, ${hi}]${logY ? ' log' : ''}, ${axis}: ${labels.join(' ')}`;
      assert.ok(ticks.length >= 3, what);
      assert.equal(new Set(labels).size, labels.length, `distinct labels, ${what}`);
      const [from, to] =
        axis === 'x'
          ? [layout.frame.x, layout.frame.x + layout.frame.w]
          : [layout.frame.y, layout.frame.y + layout.frame.h];
      assert.ok(
        ticks.every((t) => t.at >= from - 0.5 && t.at <= to + 0.5),
        `inside the plot area, ${what}`,
      );
    }
  }
});

test('loss.png of a loss inside one decade has labelled y ticks left of its axis', () => {
  const dir = join(tempDir(), 'run');
  mkdirSync(dir);
  const rows = Array.from({ length: 300 }, (_, i) => `${i + 1},${0.043 + (0.002 * ((i * 7919) % 101)) / 100},1e-3,1`);
  writeFileSync(join(dir, 'loss.csv'), ['step,loss,lr,grad_norm', ...rows].join('\n') + '\n');
  writeLossPlot(dir);
  const img = decodePng(readFileSync(join(dir, 'loss.png')));
  // Bands of rows with dark ink in the left margin, between the plot area's top (34, under the title) and the
  // x axis (bottom - 44): one per tick label.
  let bands = 0,
    inBand = false;
  for (let y = 34; y < img.height - 44; y++) {
    let ink = false;
    for (let x = 0; x < 60; x++) if (img.data[(y * img.width + x) * 4]! < 128) ink = true;
    if (ink && !inBand) bands++;
    inBand = ink;
  }
  assert.ok(bands >= 3, `${bands} y tick labels`);
});

test('the running mean of the loss starts at the first loss and follows a falling loss without lag', () => {
  const loss = Array.from({ length: 400 }, (_, i) => 0.03 + Math.exp(-i / 25));
  const mean = runningMean(loss, 50);
  assert.equal(mean[0], loss[0]);
  // A trailing mean of 50 stays up to 3x above a loss falling this fast, then kinks down at step 50; a centred one
  // is above it only by the curvature of the window (Jensen), here at most 1.18x.
  const worst = Math.max(...mean.map((m, i) => m / loss[i]!));
  assert.ok(worst < 1.2, `at most ${worst.toFixed(3)}x the loss`);
  for (let i = 1; i < mean.length; i++) assert.ok(mean[i]! <= mean[i - 1]!, `falls with the loss at ${i}`);
  // The end keeps the window's back half: the (geometric) mean of the last 26 losses, not the last (noisy) one.
  const last26 = Math.exp(loss.slice(-26).reduce((a, b) => a + Math.log(b), 0) / 26);
  assert.ok(Math.abs(mean.at(-1)! - last26) < 1e-12);
  // A power-law fall, as real losses start (5.8 to 0.2 in 50 steps), is followed within 10%.
  const power = Array.from({ length: 700 }, (_, i) => 0.06 + 5.7 / (1 + i) ** 1.2);
  const followed = runningMean(power, 50).map((m, i) => m / power[i]!);
  assert.ok(Math.max(...followed) < 1.1, `power law: at most ${Math.max(...followed).toFixed(3)}x`);
  // A skipped (NaN) step does not poison the means after it.
  const gap = runningMean([1, 2, NaN, 4, 5, 6, 7, 8], 4);
  assert.ok(gap.every(Number.isFinite), String(gap));
});

test('training previews: a title with step, epoch, sampler, steps and guidance; class models name every row', () => {
  const facts = { data: 'subset', imageChannels: 1, imageSize: 28, preset: 'tiny', batchSize: 50 } as const;
  const digits = resolveTrainConfig({ ...facts, classNames: Array.from({ length: 10 }, (_, i) => String(i)) });
  const plan = previewPlan(digits, 1000, { dataCount: 500, guidance: 5 });
  assert.equal(plan.rows, 10);
  assert.deepEqual(plan.rowLabels, digits.classNames);
  assert.match(plan.title, /^step 1000 \(epoch 100\.0\): DDIM 50 steps, guidance 5\b/);
  const unguided = previewPlan(digits, 1000, { dataCount: 500 });
  assert.match(unguided.title, /guidance 1 \(none\)/);
  // Two classes: two rows, both named (the grid once had four rows, two of them past the last class, unlabelled).
  const two = resolveTrainConfig({ ...facts, classNames: ['cat', 'dog'] });
  const small = previewPlan(two, 10, { dataCount: 500 });
  assert.equal(small.rows, 2);
  assert.deepEqual(small.rowLabels, ['cat', 'dog']);
  // An unconditional model: a title still, no guidance to state, no rows to name.
  const plain = previewPlan(resolveTrainConfig({ ...facts, classNames: [] }), 20, { dataCount: 500 });
  assert.equal(plain.rows, 4);
  assert.equal(plain.rowLabels, undefined);
  assert.match(plain.title, /^step 20 \(epoch 2\.0\): DDIM 50 steps, EMA weights$/);
});
