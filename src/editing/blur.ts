// Gaussian blur: the low-pass filter of hybrid images and the classical denoising baseline. Separable (a row
// pass and a column pass), per channel, with edge pixels replicated so the borders do not darken.
import { conv2d, pad, tensor, type Tensor } from '../engine/index.js';

export interface BlurOptions {
  /** Kernel width and height in pixels (odd). Default 33 (the hybrid-images recipe). */
  kernelSize?: number;
  /** Standard deviation of the Gaussian in pixels. Default 2. */
  sigma?: number;
}

/** The normalised 1-D Gaussian weights exp(-i^2 / 2 sigma^2), i = -k/2..k/2, in float64. */
export function gaussianKernel(kernelSize: number, sigma: number): number[] {
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new Error(`gaussianBlur: kernelSize must be a positive odd integer, got ${kernelSize}`);
  }
  if (!(sigma > 0)) throw new Error(`gaussianBlur: sigma must be positive, got ${sigma}`);
  const r = (kernelSize - 1) / 2;
  const w = Array.from({ length: kernelSize }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** Blurs (N, C, H, W) images channel by channel. */
export function gaussianBlur(x: Tensor, o: BlurOptions = {}): Tensor {
  const k = o.kernelSize ?? 33;
  const w = gaussianKernel(k, o.sigma ?? 2);
  const c = x.shape[1]!,
    r = (k - 1) / 2;
  const data = x.dtype === 'float64' ? Float64Array.from(w) : Float32Array.from(w);
  const row = tensor(data, [1, 1, 1, k], x.device).expand([c, 1, 1, k]);
  const col = tensor(data, [1, 1, k, 1], x.device).expand([c, 1, k, 1]);
  const padded = pad(x, [r, r, r, r], { mode: 'replicate' });
  return conv2d(conv2d(padded, row.contiguous(), null, { groups: c }), col.contiguous(), null, { groups: c });
}
