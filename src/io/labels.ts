// Figures that carry their own labels: an image grid with a title line, a label above each column (t, sigma, a
// class) and one left of each row (a guidance scale, a class), drawn with the built-in pixel font, so a figure
// says what it shows without the console output beside it.
import type { Tensor } from '../engine/index.js';
import { drawText, textHeight, textWidth } from './font.js';
import { imageGrid, type GridOptions, type RgbaImage } from './png.js';

export interface FigureLabels {
  /** Above everything (e.g. the sampler, steps and seed): one line, broken at spaces where the grid is narrower. */
  title?: string;
  /** One label per grid column, centred above it; '\n' breaks a label into lines. */
  columns?: readonly string[];
  /** One label per grid row, left of it. */
  rows?: readonly string[];
}

const GAP = 4; // pixels around a line of text

/** The largest font scale (2 or 1) at which every label (each line of it) fits `width` pixels with a gap; else 1. */
function fontScale(labels: readonly string[], width: number): number {
  return labels.every((l) => l.split('\n').every((line) => textWidth(line, 2) <= width - GAP)) ? 2 : 1;
}

/** Titles on a grid narrower than this are broken to this width, so each line keeps a few words. */
const MIN_TITLE_WIDTH = 120;

/**
 * The title as lines over `width` pixels: one line at scale 2 where it fits, else at scale 1 broken at spaces (a
 * word longer than a line keeps its own line, and widens the figure).
 */
function titleLines(title: string, width: number): { lines: string[]; scale: number } {
  if (textWidth(title, 2) + 2 * GAP <= width) return { lines: [title], scale: 2 };
  const max = Math.max(width, MIN_TITLE_WIDTH) - 2 * GAP;
  const lines: string[] = [];
  for (const word of title.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && textWidth(`${last} ${word}`, 1) <= max) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return { lines, scale: 1 };
}

/** Shortens a label to `width` pixels at `scale`, marking the cut with '.'. */
function fit(label: string, width: number, scale: number): string {
  const max = Math.max(1, Math.floor(width / textWidth('x', scale)));
  return label.length <= max ? label : `${label.slice(0, Math.max(1, max - 1))}.`;
}

/** A batch (N, C, H, W) in [-1, 1] as a grid (imageGrid) with its labels drawn around it. */
export function labelledGrid(batch: Tensor, o: GridOptions & FigureLabels = {}): RgbaImage {
  const grid = imageGrid(batch, o);
  const columns = o.columns ?? [],
    rows = o.rows ?? [];
  if (!o.title && columns.length === 0 && rows.length === 0) return grid;
  const [n, , h, w] = batch.shape as [number, number, number, number];
  const s = o.scale ?? 1,
    pad = o.padding ?? 2,
    nrow = o.nrow ?? Math.ceil(Math.sqrt(n));
  const [tileW, tileH] = [w * s, h * s];
  const colScale = fontScale(columns, tileW),
    rowScale = 2;
  const colLines = Math.max(1, ...columns.map((c) => c.split('\n').length));
  const lineH = textHeight(colScale) + GAP;
  const colH = columns.length > 0 ? colLines * lineH + GAP : 0;
  const rowW = rows.length > 0 ? Math.max(...rows.map((r) => textWidth(r, rowScale))) + 2 * GAP : 0;
  const title = o.title ? titleLines(o.title, rowW + grid.width) : { lines: [], scale: 1 };
  const titleLineH = textHeight(title.scale) + GAP;
  const titleH = title.lines.length > 0 ? title.lines.length * titleLineH + GAP : 0;
  const width = Math.max(rowW + grid.width, ...title.lines.map((l) => textWidth(l, title.scale) + 2 * GAP));
  const height = titleH + colH + grid.height;
  const img: RgbaImage = { width, height, data: new Uint8Array(width * height * 4).fill(255) };
  for (let y = 0; y < grid.height; y++) {
    img.data.set(
      grid.data.subarray(y * grid.width * 4, (y + 1) * grid.width * 4),
      ((titleH + colH + y) * width + rowW) * 4,
    );
  }
  title.lines.forEach((line, j) => drawText(img, line, GAP, GAP + j * titleLineH, title.scale));
  columns.slice(0, nrow).forEach((label, k) => {
    const x0 = rowW + pad + k * (tileW + pad);
    label.split('\n').forEach((line, j) => {
      const text = fit(line, tileW + pad, colScale);
      drawText(img, text, x0 + (tileW - textWidth(text, colScale)) / 2, titleH + GAP + j * lineH, colScale);
    });
  });
  rows.forEach((label, r) => {
    const y0 = titleH + colH + pad + r * (tileH + pad);
    drawText(img, label, GAP, y0 + (tileH - textHeight(rowScale)) / 2, rowScale);
  });
  return img;
}
