// A small line-plot rasteriser: axes with ticks, several labelled curves, a legend, optional log-scale y. Enough for
// schedule curves and training-loss curves without a plotting dependency. Text uses the built-in 3x5 pixel font.
import { drawText, setPixel, type Rgb } from './font.js';
import type { RgbaImage } from './png.js';

export type { Rgb };

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

const PALETTE: readonly Rgb[] = [
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

const SCALE = 2; // font pixels per glyph pixel
const CHAR_W = 4 * SCALE; // 3 columns + 1 of spacing

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
    drawText(this, s, x, y, SCALE, c);
  }
}

/** Tick values for [lo, hi]: about `count` round numbers (1, 2, 5 times a power of ten). */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count,
    mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}
/**
 * Ticks of a log axis spanning log10 values [lo, hi], as log10 values: powers of ten when they give three or more,
 * else 1-2-5 times powers of ten, else every digit times a power of ten, else round values of the linear range
 * (a short loss curve spanning 0.03..0.05 still gets labels).
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
  return niceTicks(10 ** lo, 10 ** hi, 4)
    .filter((v) => v > 0)
    .map(Math.log10);
}
const fmt = (v: number): string =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : String(Number(v.toPrecision(4)));

/** Draws the curves as a line plot. */
export function linePlot(curves: readonly Curve[], o: PlotOptions = {}): RgbaImage {
  const W = o.width ?? 640,
    H = o.height ?? 400,
    logY = o.logY ?? false;
  const ty = (y: number) => (logY ? Math.log10(y) : y);
  const points = curves.map((c) =>
    Array.from({ length: c.x.length }, (_, i) => [c.x[i]!, c.y[i]!] as const).filter(
      ([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0),
    ),
  );
  const all = points.flat();
  if (all.length === 0) throw new Error('linePlot: no finite points to draw');
  let [xlo, xhi] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [ylo, yhi] = [Math.min(...all.map((p) => ty(p[1]))), Math.max(...all.map((p) => ty(p[1])))];
  if (xhi === xlo) {
    xlo -= 1;
    xhi += 1;
  }
  if (yhi === ylo) {
    ylo -= 1;
    yhi += 1;
  }
  const pad = (yhi - ylo) * 0.05;
  [ylo, yhi] = [ylo - pad, yhi + pad];
  const cv = new Canvas(W, H);
  const left = 70,
    right = W - 20,
    top = o.title ? 34 : 20,
    bottom = H - (o.xLabel ? 44 : 30);
  const px = (x: number) => left + ((x - xlo) / (xhi - xlo)) * (right - left);
  const py = (y: number) => bottom - ((y - ylo) / (yhi - ylo)) * (bottom - top);
  const grid: Rgb = [225, 225, 225],
    ink: Rgb = [0, 0, 0];
  for (const v of niceTicks(xlo, xhi)) {
    cv.line(px(v), top, px(v), bottom, grid);
    const s = fmt(v);
    cv.text(s, px(v) - (s.length * CHAR_W) / 2, bottom + 6);
  }
  const yTicks = logY ? logTicks(ylo, yhi) : niceTicks(ylo, yhi);
  for (const v of yTicks) {
    cv.line(left, py(v), right, py(v), grid);
    const s = logY ? fmt(10 ** v) : fmt(v);
    cv.text(s, left - 6 - s.length * CHAR_W, py(v) - 5);
  }
  cv.line(left, top, left, bottom, ink);
  cv.line(left, bottom, right, bottom, ink);
  points.forEach((pts, k) => {
    const color = curves[k]!.color ?? PALETTE[k % PALETTE.length]!;
    for (let i = 1; i < pts.length; i++) {
      cv.line(px(pts[i - 1]![0]), py(ty(pts[i - 1]![1])), px(pts[i]![0]), py(ty(pts[i]![1])), color, 2);
    }
  });
  // Legend: top right, one swatch and label per curve.
  const legendW = 30 + Math.max(...curves.map((c) => c.label.length)) * CHAR_W;
  curves.forEach((c, k) => {
    const y = top + 8 + k * 16,
      x = right - legendW - 8;
    cv.rect(x, y + 3, 20, 4, c.color ?? PALETTE[k % PALETTE.length]!);
    cv.text(c.label, x + 26, y);
  });
  if (o.title) cv.text(o.title, (W - o.title.length * CHAR_W) / 2, 10);
  if (o.xLabel) cv.text(o.xLabel, (left + right - o.xLabel.length * CHAR_W) / 2, H - 16);
  if (o.yLabel) cv.text(o.yLabel, 8, top - 14 < 0 ? 2 : Math.max(2, top - 16));
  return { width: W, height: H, data: cv.data };
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
