// The spread of a dataset's images about their mean along its main directions (principal components), where
// samplers start with the mean: x_T's law is the data blurred by sigma_max noise, and the Gaussian closest to it
// has the data's mean and covariance plus sigma_max^2 I. A start with the mean's covariance (0) is too narrow along
// the main directions wherever their variance is not small against sigma_max^2 (docs/SEEDS.md, "Where sampling
// starts"). Computed by subspace iteration (Halko et al. 2011, Alg. 4.4) with no D x D matrix, in float64 where
// small, from a fixed start (the first images): the same data gives the same directions, with no draws.
import { cat, eigh, noGrad, tensor, tidy, type Tensor } from '../engine/index.js';
import { batchImages, meanImage } from './batches.js';
import type { Dataset } from './dataset.js';

/** Main directions the model files keep (data.spread): those past it hold little variance on every data set here. */
export const SPREAD_DIRECTIONS = 32;
/** Images the directions are computed from at most, evenly spaced through the set (MNIST's 60,000: every 6th). */
export const SPREAD_IMAGES = 10_000;

/** Orthonormal columns spanning y's (D, p), through the eigenvectors of y^T y (float64; near-null ones kept apart). */
function orthonormal(y: Tensor): Tensor {
  const { values, vectors } = eigh(y.transpose(0, 1).matmul(y));
  const floor = Math.max(values.max().item() * 1e-12, 1e-300); // identical images: no direction, a spread of 0
  return y.matmul(vectors).mul(values.clamp(floor).rsqrt().unsqueeze(0));
}

/**
 * The k main directions of a dataset's images in [-1, 1] (with hflip, of the images and their mirrors), each
 * scaled by its standard deviation about the set's mean: (k, C, H, W), largest first; a sample of the Gaussian is
 * mean + sum z_i row_i. From at most maxImages of them, evenly spaced.
 */
export function principalSpread(
  dataset: Dataset,
  o: { hflip?: boolean; k?: number; iterations?: number; maxImages?: number } = {},
): Float32Array {
  const [c, h, w] = dataset.shape;
  const count = Math.min(dataset.count, o.maxImages ?? SPREAD_IMAGES);
  const dim = c * h * w,
    k = Math.min(o.k ?? SPREAD_DIRECTIONS, dim, count),
    p = Math.min(k + 8, dim, count); // oversampling: the last directions converge faster
  if (k < 1) return new Float32Array(0);
  return noGrad(() =>
    tidy(() => {
      const some = Int32Array.from({ length: count }, (_, i) => Math.floor((i * dataset.count) / count));
      const images = [batchImages(dataset, some)];
      if (o.hflip) images.push(batchImages(dataset, some, new Uint8Array(count).fill(1)));
      const mean = tensor(meanImage(dataset, { hflip: o.hflip }), [1, dim]);
      const centred = cat(images, 0).reshape([-1, dim]).sub(mean); // (n, D) float32
      const n = centred.shape[0]!;
      // (X^T X) q without X^T X: X^T (X q), q in float32 for the product, back to float64 for the small algebra.
      const gram = (q: Tensor) =>
        centred
          .transpose(0, 1)
          .matmul(centred.matmul(q.to('float32')))
          .to('float64');
      let q = orthonormal(centred.slice(0, 0, p).transpose(0, 1).to('float64'));
      for (let i = 0; i < (o.iterations ?? 6); i++) q = orthonormal(gram(q));
      const z = centred.matmul(q.to('float32')).to('float64'); // (n, p): the data in the subspace
      const { values, vectors } = eigh(z.transpose(0, 1).matmul(z).div(n)); // ascending
      const top = vectors.slice(1, p - k, p).flip([1]); // (p, k), largest first
      const sd = values
        .slice(0, p - k, p)
        .flip([0])
        .clamp(0)
        .sqrt();
      return q.matmul(top).mul(sd.unsqueeze(0)).transpose(0, 1).to('float32').contiguous().toFloat32Array();
    }),
  );
}
