// Where everything of a line plot goes, in pixels, before a pixel is drawn: the plot area, the ticks and their
// labels, each curve as a polyline, and the legend's box. Kept apart from the rasteriser (plot.ts) so that a test can
// check the geometry (the legend clear of every curve, three or more labelled ticks per axis) without reading pixels.
import type { Rgb } from './font.js';

export interface Curve {
  /** Legend text. */
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Line colour. Default: the next colour of a 10-colour palette. */
  color?: Rgb;
}

export interface PlotOptions {
  /** Image width in pixels. Default 640. */ width?: number;
  /** Image height in pixels. Default 400. */ height?: number;
  /** Title above the plot. Default none. */ title?: string;
  /** Caption under the x axis. Default none. */ xLabel?: string;
  /** Caption above the y axis. Default none. */ yLabel?: string;
  /** Logarithmic y axis (points with y <= 0 are dropped). Default false. */ logY?: boolean;
}

/** A rectangle in pixels: left, top, width, height. */
export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A tick: its value on the axis (log10 of it on a log axis), its text, and its pixel (x or y). */
export interface Tick {
  value: number;
  label: string;
  at: number;
}

export interface PlotLayout {
  width: number;
  height: number;
  /** The plot area inside the axes. */
  frame: PixelBox;
  xTicks: Tick[];
  yTicks: Tick[];
  /** Each curve as the pixel polyline that is drawn, LINE_WIDTH pixels wide, in its colour. */
  lines: { label: string; color: Rgb; points: [number, number][] }[];
  /** The legend's box (swatches and labels inside); `outside` when no corner of the plot area was clear. */
  legend: PixelBox & { outside: boolean };
}

export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];
export const LINE_WIDTH = 2;
export const FONT_SCALE = 2; // font pixels per glyph pixel
export const CHAR_W = 4 * FONT_SCALE; // 3 columns + 1 of spacing
/** Legend rows: 16 pixels apart, the first 6 pixels below the box's top; swatch 20 wide, label 6 to its right. */
export const LEGEND = { pad: 6, rowH: 16, swatchW: 20, gap: 6 } as const;

/** Ticks in [lo, hi] at round steps (1, 2, 5 times a power of ten): about `count`, and never fewer than three. */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  let e = Math.floor(Math.log10(raw));
  let m = [1, 2, 5, 10].find((c) => c * 10 ** e >= raw)!;
  if (m === 10) [m, e] = [1, e + 1];
  // The step nearest `count` ticks can leave two (e.g. [1, 11.5] in steps of 5): step down 5 -> 2 -> 1 -> 0.5 ...
  for (;;) {
    const step = m * 10 ** e;
    const ticks: number[] = [];
    for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++)
      ticks.push(k === 0 ? 0 : k * step);
    if (ticks.length >= 3) return ticks;
    [m, e] = m === 1 ? [5, e - 1] : [m === 5 ? 2 : 1, e];
  }
}

/**
 * Ticks of a log axis spanning log10 values [lo, hi], as log10 values: powers of ten when they give three or more,
 * else 1-2-5 times powers of ten, else every digit times a power of ten, else round values of the linear range
 * (a short loss curve spanning 0.03..0.05 still gets labels). Three or more, always.
 */
export function logTicks(lo: number, hi: number): number[] {
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (const m of mantissas) {
        const v = Math.log10(m) + e;
        if (v >= lo - 1e-9 && v <= hi + 1e-9) ticks.push(v);
      }
    }
    if (ticks.length >= 3) return ticks;
  }
  return niceTicks(10 ** lo, 10 ** hi, 4).map(Math.log10);
}

/** Labels for tick values with the fewest digits that tell every tick apart (0.0412 and 0.0414 both round to 0.04). */
export function tickLabels(values: readonly number[]): string[] {
  const fmt = (v: number, digits: number) =>
    Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
      ? v.toExponential(digits - 1)
      : String(Number(v.toPrecision(digits + 3)));
  for (let digits = 1; digits < 16; digits++) {
    const labels = values.map((v) => fmt(v, digits));
    if (new Set(labels).size === labels.length) return labels;
  }
  return values.map(String);
}

/** Whether the segment (x0, y0)-(x1, y1) meets the box (Liang-Barsky clipping). */
export function segmentHitsBox(x0: number, y0: number, x1: number, y1: number, b: PixelBox): boolean {
  let [t0, t1] = [0, 1];
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      t0 = Math.max(t0, r);
    } else {
      if (r < t0) return false;
      t1 = Math.min(t1, r);
    }
    return true;
  };
  const [dx, dy] = [x1 - x0, y1 - y0];
  return clip(-dx, x0 - b.x) && clip(dx, b.x + b.w - x0) && clip(-dy, y0 - b.y) && clip(dy, b.y + b.h - y0);
}

/** Segments of the polylines that come within a line's width (and 2 pixels of air) of the box. */
function inkIn(lines: PlotLayout['lines'], b: PixelBox): number {
  const m = LINE_WIDTH / 2 + 2;
  const grown = { x: b.x - m, y: b.y - m, w: b.w + 2 * m, h: b.h + 2 * m };
  let n = 0;
  for (const { points: p } of lines)
    for (let i = 1; i < p.length; i++) if (segmentHitsBox(p[i - 1]![0], p[i - 1]![1], p[i]![0], p[i]![1], grown)) n++;
  return n;
}

/** Lays out a line plot of the curves (see PlotLayout); linePlot draws exactly this. */
export function plotLayout(curves: readonly Curve[], o: PlotOptions = {}): PlotLayout {
  const W = o.width ?? 640,
    H = o.height ?? 400,
    logY = o.logY ?? false;
  const ty = (y: number) => (logY ? Math.log10(y) : y);
  const points = curves.map((c) =>
    Array.from({ length: c.x.length }, (_, i) => [c.x[i]!, c.y[i]!] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0))
      .map(([x, y]) => [x, ty(y)] as const),
  );
  const all = points.flat();
  if (all.length === 0) throw new Error('linePlot: no finite points to draw');
  let [xlo, xhi] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [ylo, yhi] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (xhi === xlo) [xlo, xhi] = [xlo - 1, xhi + 1];
  if (yhi === ylo) [ylo, yhi] = [ylo - 1, yhi + 1];
  const pad = (yhi - ylo) * 0.05;
  [ylo, yhi] = [ylo - pad, yhi + pad];
  const xValues = niceTicks(xlo, xhi),
    yValues = logY ? logTicks(ylo, yhi) : niceTicks(ylo, yhi);
  const xLabels = tickLabels(xValues),
    yLabels = tickLabels(logY ? yValues.map((v) => 10 ** v) : yValues);
  // The y labels sit right-aligned left of the axis: widen the margin for long ones rather than clip them.
  const left = Math.max(70, 12 + Math.max(...yLabels.map((s) => s.length)) * CHAR_W),
    top = o.title ? 34 : 20,
    bottom = H - (o.xLabel ? 44 : 30);
  const colors = curves.map((c, k) => c.color ?? PALETTE[k % PALETTE.length]!);
  const legendW =
      2 * LEGEND.pad + LEGEND.swatchW + LEGEND.gap + Math.max(...curves.map((c) => c.label.length)) * CHAR_W,
    legendH = LEGEND.rowH * curves.length + LEGEND.pad;
  const at = (right: number) => {
    const px = (x: number) => left + ((x - xlo) / (xhi - xlo)) * (right - left);
    const py = (y: number) => bottom - ((y - ylo) / (yhi - ylo)) * (bottom - top);
    const lines = points.map((pts, k) => ({
      label: curves[k]!.label,
      color: colors[k]!,
      points: pts.map(([x, y]) => [px(x), py(y)] as [number, number]),
    }));
    return { px, py, lines };
  };
  // The legend goes in the corner of the plot area with the least ink (top right first when several are clear);
  // when every corner has some, outside the plot area on the right, which narrows the plot but hides nothing.
  let right = W - 20;
  let g = at(right);
  const m = 6;
  const corners = [
    [right - legendW - m, top + m],
    [left + m, top + m],
    [right - legendW - m, bottom - legendH - m],
    [left + m, bottom - legendH - m],
  ].map(([x, y]) => ({ x: x!, y: y!, w: legendW, h: legendH }));
  const ink = corners.map((b) => inkIn(g.lines, b));
  let legend = { ...corners[ink.indexOf(Math.min(...ink))]!, outside: false };
  const narrowed = W - 20 - legendW - 2 * m;
  if (Math.min(...ink) > 0 && narrowed - left >= (W - left) / 2) {
    right = narrowed;
    g = at(right);
    legend = { x: right + 2 * m, y: top, w: legendW, h: legendH, outside: true };
  }
  return {
    width: W,
    height: H,
    frame: { x: left, y: top, w: right - left, h: bottom - top },
    xTicks: xValues.map((v, i) => ({ value: v, label: xLabels[i]!, at: g.px(v) })),
    yTicks: yValues.map((v, i) => ({ value: v, label: yLabels[i]!, at: g.py(v) })),
    lines: g.lines,
    legend,
  };
}
