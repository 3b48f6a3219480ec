// A built-in 3x5 pixel font (upper case; lower case is drawn as upper case) for plot axes and figure labels,
// drawn into RGBA rasters at an integer scale. No font files, no dependencies.
import type { RgbaImage } from './png.js';

export type Rgb = readonly [number, number, number];

// Each glyph: 5 rows of 3 bits (4 = left pixel, 1 = right pixel).
const GLYPHS: Record<string, string> = {
  0: '75557',
  1: '26227',
  2: '71747',
  3: '71717',
  4: '55711',
  5: '74717',
  6: '74757',
  7: '71111',
  8: '75757',
  9: '75717',
  A: '25755',
  B: '65656',
  C: '34443',
  D: '65556',
  E: '74647',
  F: '74644',
  G: '34553',
  H: '55755',
  I: '72227',
  J: '11152',
  K: '55655',
  L: '44447',
  M: '57755',
  N: '65555',
  O: '25552',
  P: '65644',
  Q: '25563',
  R: '65655',
  S: '34216',
  T: '72222',
  U: '55557',
  V: '55552',
  W: '55775',
  X: '55255',
  Y: '55222',
  Z: '71247',
  '.': '00002',
  '-': '00700',
  '+': '02720',
  ':': '02020',
  '(': '12221',
  ')': '42224',
  '/': '11244',
  '=': '07070',
  ',': '00024',
  _: '00007',
  ' ': '00000',
  '%': '51245',
  '^': '25000',
  '[': '64446',
  ']': '31113',
  '<': '12421',
  '>': '42124',
  '?': '71202',
  '|': '22222',
  '*': '05250',
  '#': '57575',
  "'": '22000',
  ';': '02024',
};

/** Width in pixels of text at a scale (3 columns and 1 of spacing per character). */
export function textWidth(s: string, scale: number): number {
  return s.length * 4 * scale;
}
/** Height in pixels of a line of text at a scale. */
export function textHeight(scale: number): number {
  return 5 * scale;
}

/** Sets one opaque pixel of an RGBA raster; pixels outside it are skipped. */
export function setPixel(img: RgbaImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 4;
  img.data[i] = c[0];
  img.data[i + 1] = c[1];
  img.data[i + 2] = c[2];
  img.data[i + 3] = 255;
}

/** Draws text with its top-left corner at (x, y); pixels outside the image are skipped. */
export function drawText(img: RgbaImage, s: string, x: number, y: number, scale: number, c: Rgb = [0, 0, 0]): void {
  const dot = (px: number, py: number) => setPixel(img, px, py, c);
  [...s.toUpperCase()].forEach((ch, k) => {
    const g = GLYPHS[ch] ?? GLYPHS['?']!;
    for (let row = 0; row < 5; row++) {
      const bits = Number(g[row]);
      for (let col = 0; col < 3; col++) {
        if (!(bits & (4 >> col))) continue;
        for (let j = 0; j < scale; j++)
          for (let i = 0; i < scale; i++)
            dot(Math.round(x) + (k * 4 + col) * scale + i, Math.round(y) + row * scale + j);
      }
    }
  });
}
