// Fitting a decoded picture to the dataset's C x H x W: centre-crop to the target aspect ratio, then box-filter
// resampling (each output pixel averages the source pixels it covers: no aliasing when shrinking photos).
import type { RgbaImage } from '../io/index.js';

/** How the picture reaches the target size. 'crop': centre-crop to the aspect ratio, then resize; 'stretch': resize. */
export type FitMode = 'crop' | 'stretch';

/** RGBA (alpha composited over black) -> planar uint8 (C, size, size); grey uses ITU-R BT.601 luma. */
export function fitImage(img: RgbaImage, o: { size: number; channels: 1 | 3; fit: FitMode }): Uint8Array {
  const { size, channels } = o;
  let [x0, y0, cw, ch] = [0, 0, img.width, img.height];
  if (o.fit === 'crop') {
    const side = Math.min(img.width, img.height);
    [x0, y0, cw, ch] = [Math.floor((img.width - side) / 2), Math.floor((img.height - side) / 2), side, side];
  }
  const out = new Uint8Array(channels * size * size);
  const sx = cw / size,
    sy = ch / size;
  const rgb = [0, 0, 0];
  for (let y = 0; y < size; y++) {
    const ya = y0 + y * sy,
      yb = ya + sy;
    for (let x = 0; x < size; x++) {
      const xa = x0 + x * sx,
        xb = xa + sx;
      rgb.fill(0);
      let total = 0;
      for (let py = Math.floor(ya); py < Math.ceil(yb); py++) {
        const wy = Math.min(yb, py + 1) - Math.max(ya, py); // overlap of source row py with [ya, yb)
        for (let px = Math.floor(xa); px < Math.ceil(xb); px++) {
          const wgt = wy * (Math.min(xb, px + 1) - Math.max(xa, px));
          const i = (py * img.width + px) * 4;
          const a = img.data[i + 3]! / 255;
          for (let k = 0; k < 3; k++) rgb[k]! += wgt * a * img.data[i + k]!;
          total += wgt;
        }
      }
      const [r, g, b] = rgb.map((v) => v / total) as [number, number, number];
      const at = y * size + x;
      if (channels === 1) out[at] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      else {
        out[at] = Math.round(r);
        out[size * size + at] = Math.round(g);
        out[2 * size * size + at] = Math.round(b);
      }
    }
  }
  return out;
}
