// A small line-plot rasteriser: axes with ticks, several labelled curves, a legend, optional log-scale y. Enough for
// schedule curves and training-loss curves without a plotting dependency. Text uses the built-in 3x5 pixel font.
// Where things go is plotLayout's (plot-layout.ts); this file only draws it.
import { drawText, setPixel, type Rgb } from './font.js';
import { CHAR_W, FONT_SCALE, LEGEND, LINE_WIDTH, plotLayout, type Curve, type PlotOptions } from './plot-layout.js';
import type { RgbaImage } from './png.js';

export type { Rgb };

/** A canvas with the few drawing operations a plot needs. */
class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 4).fill(255);
  }
  dot(x: number, y: number, c: Rgb): void {
    setPixel(this, Math.round(x), Math.round(y), c);
  }
  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.dot(x + i, y + j, c);
  }
  /** A line `thick` pixels wide, by sampling along its length. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    for (let k = 0; k <= n; k++) {
      const x = x0 + ((x1 - x0) * k) / n,
        y = y0 + ((y1 - y0) * k) / n;
      this.rect(Math.round(x - (thick - 1) / 2), Math.round(y - (thick - 1) / 2), thick, thick, c);
    }
  }
  text(s: string, x: number, y: number, c: Rgb = [0, 0, 0]): void {
    drawText(this, s, x, y, FONT_SCALE, c);
  }
}

/** Draws the curves as a line plot. */
export function linePlot(curves: readonly Curve[], o: PlotOptions = {}): RgbaImage {
  const L = plotLayout(curves, o);
  const { x: left, y: top } = L.frame,
    [right, bottom] = [L.frame.x + L.frame.w, L.frame.y + L.frame.h];
  const cv = new Canvas(L.width, L.height);
  const grid: Rgb = [225, 225, 225],
    ink: Rgb = [0, 0, 0];
  for (const t of L.xTicks) {
    cv.line(t.at, top, t.at, bottom, grid);
    cv.text(t.label, t.at - (t.label.length * CHAR_W) / 2, bottom + 6);
  }
  for (const t of L.yTicks) {
    cv.line(left, t.at, right, t.at, grid);
    cv.text(t.label, left - 6 - t.label.length * CHAR_W, t.at - 5);
  }
  cv.line(left, top, left, bottom, ink);
  cv.line(left, bottom, right, bottom, ink);
  for (const { points: p, color } of L.lines)
    for (let i = 1; i < p.length; i++) cv.line(p[i - 1]![0], p[i - 1]![1], p[i]![0], p[i]![1], color, LINE_WIDTH);
  // Legend: one swatch and label per curve, on white (no grid line runs through the labels), in a thin frame.
  const b = L.legend;
  cv.rect(b.x, b.y, b.w, b.h, [255, 255, 255]);
  for (const [x0, y0, x1, y1] of [
    [b.x, b.y, b.x + b.w, b.y],
    [b.x, b.y + b.h, b.x + b.w, b.y + b.h],
    [b.x, b.y, b.x, b.y + b.h],
    [b.x + b.w, b.y, b.x + b.w, b.y + b.h],
  ] as const)
    cv.line(x0, y0, x1, y1, [200, 200, 200]);
  L.lines.forEach((l, k) => {
    const y = b.y + LEGEND.pad + k * LEGEND.rowH;
    cv.rect(b.x + LEGEND.pad, y + 3, LEGEND.swatchW, 4, l.color);
    cv.text(l.label, b.x + LEGEND.pad + LEGEND.swatchW + LEGEND.gap, y);
  });
  if (o.title) cv.text(o.title, (L.width - o.title.length * CHAR_W) / 2, 10);
  if (o.xLabel) cv.text(o.xLabel, (left + right - o.xLabel.length * CHAR_W) / 2, L.height - 16);
  if (o.yLabel) cv.text(o.yLabel, 8, top - 14 < 0 ? 2 : Math.max(2, top - 16));
  return { width: L.width, height: L.height, data: cv.data };
}

/** Stacks images vertically (e.g. two plots in one PNG), on white. */
export function stackImages(images: readonly RgbaImage[]): RgbaImage {
  const width = Math.max(...images.map((i) => i.width)),
    height = images.reduce((a, i) => a + i.height, 0);
  const data = new Uint8Array(width * height * 4).fill(255);
  let y0 = 0;
  for (const img of images) {
    for (let y = 0; y < img.height; y++)
      data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), (y0 + y) * width * 4);
    y0 += img.height;
  }
  return { width, height, data };
}
