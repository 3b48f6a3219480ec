// Workaround for the engine: this libtorch build runs conv_transpose2d on a slow path (~3 GFLOP/s here,
// 1.1 s forward for a 64->64 4x4 stride-2 layer at batch 128), while conv2d runs on oneDNN (~150 GFLOP/s).
// A transposed convolution equals a convolution of the zero-upsampled, padded input with the flipped,
// transposed kernel (Dumoulin & Visin 2016, section 4), so the layer keeps torch's (in, out, k, k) weights and
// its state-dict names, and only the forward changes. Move to the engine when it has a fast kernel.
import { conv2d, pad, type Tensor } from '../engine/index.js';
import { ConvTranspose2d } from '../nn/index.js';

/** convTranspose2d(x, w, b, { stride, padding, outputPadding }) computed with conv2d (groups 1, dilation 1). */
export function convTranspose2dViaConv(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  o: { stride: number; padding: number; outputPadding: number },
): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const k = weight.shape[2]!;
  const { stride: s, padding: p, outputPadding: op } = o;
  if (p > k - 1) throw new Error(`convTranspose2dViaConv: padding ${p} > kernel - 1 (${k - 1}) is not supported`);
  // Zero-insertion: s-1 zeros after every pixel in H and W, then drop the trailing ones.
  const spread =
    s === 1
      ? x
      : pad(x.reshape([n, c, h, 1, w, 1]), [0, s - 1, 0, 0, 0, s - 1]) // (N, C, H, s, W, s)
          .reshape([n, c, h * s, w * s])
          .slice(2, 0, (h - 1) * s + 1)
          .slice(3, 0, (w - 1) * s + 1); // (N, C, (H-1)s+1, (W-1)s+1)
  const e = k - 1 - p;
  const padded = pad(spread, [e, e + op, e, e + op]); // output size (H-1)s - 2p + k + op
  const kernel = weight.flip([2, 3]).transpose(0, 1).contiguous(); // (out, in, k, k)
  return conv2d(padded, kernel, bias);
}

/** nn's ConvTranspose2d (same weights and names) with the fast forward above. */
export class FastConvTranspose2d extends ConvTranspose2d {
  override forward(x: Tensor): Tensor {
    return convTranspose2dViaConv(x, this.weight, this.bias, this);
  }
}
