// The one place where the things a network may predict are converted into each other. For
//   x = a x0 + b eps          (a = alpha(t), b = sigma(t) of a schedule, scalars or per-row tensors)
// the predictions are
//   eps:   the noise eps                      (DDPM)
//   x0:    the clean sample                   (a "denoiser")
//   v:     a eps - b x0                       (Salimans & Ho 2022, "velocity"; for VP a^2 + b^2 = 1)
//   score: grad log p(x) = -eps / b           (Song et al. 2021; the score of the noisy marginal)
//   scaled-score: h = b * score = -eps        (the score-based tutorial's network output h, its score h / sigma_t:
//          the tutorial divides by marginal_prob_std(t) inside the network; here that division is this
//          parameterisation, as networks never see the schedule. The raw score grows as 1/b; h stays near unit scale)
//   edm:   F with x0 = c_skip x/a + c_out F   (Karras et al. 2022, Table 1, "preconditioning"; its input is
//          c_in x/a, see networkInput), with sigma = b/a, sigma_data = EDM_SIGMA_DATA and
//          c_skip = sd^2 / (sigma^2 + sd^2), c_out = sigma sd / sqrt(sigma^2 + sd^2), c_in = 1 / sqrt(sigma^2 + sd^2)
// Each is an affine function of (x0, eps) at fixed x, so any one determines the others exactly.
import type { Scalar, Tensor } from '../engine/index.js';

/** What a network's output means. */
export type Prediction = 'eps' | 'x0' | 'v' | 'score' | 'scaled-score' | 'edm';

/** The predictions, in the order the CLI lists them. */
export const predictionNames: readonly Prediction[] = ['eps', 'x0', 'v', 'score', 'scaled-score', 'edm'];

/** EDM's sigma_data (Karras et al. 2022, Sec. 5: 0.5 for images in [-1, 1]). */
export const EDM_SIGMA_DATA = 0.5;

/** The coefficients of x = a x0 + b eps: numbers, or tensors that broadcast against x (shape [B, 1, ...]). */
export interface Coefficients {
  a: Scalar;
  b: Scalar;
}

const sq = (s: Scalar): Scalar => (typeof s === 'number' ? s * s : s.square());
const plus = (p: Scalar, q: Scalar): Scalar =>
  typeof p === 'number' ? (typeof q === 'number' ? p + q : q.add(p)) : p.add(q);
const sumSq = (c: Coefficients): Scalar => plus(sq(c.a), sq(c.b));
const over = (p: Scalar, q: Scalar): Scalar =>
  typeof p === 'number' ? (typeof q === 'number' ? p / q : q.reciprocal().mul(p)) : p.div(q);
const root = (p: Scalar): Scalar => (typeof p === 'number' ? Math.sqrt(p) : p.sqrt());

/** EDM's c_skip, c_out and c_in at sigma = b / a, and the scale 1/a from the schedule's frame to x0 + sigma eps. */
function edmScales(c: Coefficients): { skip: Scalar; out: Scalar; in: Scalar; frame: Scalar } {
  const sd2 = EDM_SIGMA_DATA * EDM_SIGMA_DATA;
  const sigma = over(c.b, c.a);
  const total = plus(sq(sigma), sd2); // sigma^2 + sd^2
  const norm = root(total);
  return {
    skip: over(sd2, total),
    out: over(typeof sigma === 'number' ? sigma * EDM_SIGMA_DATA : sigma.mul(EDM_SIGMA_DATA), norm),
    in: over(1, norm),
    frame: over(1, c.a),
  };
}

/**
 * What the network is fed at x: x itself, or for 'edm' its preconditioned input c_in x / a (unit variance at every
 * noise level when the data's is sd^2).
 */
export function networkInput(kind: Prediction, x: Tensor, c: Coefficients): Tensor {
  if (kind !== 'edm') return x;
  const k = edmScales(c);
  return x.mul(k.frame).mul(k.in);
}

/** x0 from a prediction of the given kind at x. */
export function toX0(kind: Prediction, pred: Tensor, x: Tensor, c: Coefficients): Tensor {
  switch (kind) {
    case 'x0':
      return pred;
    case 'eps':
      return x.sub(pred.mul(c.b)).div(c.a);
    case 'score':
      return x.add(pred.mul(sq(c.b))).div(c.a); // eps = -b * score
    case 'scaled-score':
      return x.add(pred.mul(c.b)).div(c.a); // eps = -h
    case 'v':
      return x.mul(c.a).sub(pred.mul(c.b)).div(sumSq(c)); // a x - b v = (a^2 + b^2) x0
    case 'edm': {
      const k = edmScales(c);
      return x.mul(k.frame).mul(k.skip).add(pred.mul(k.out));
    }
  }
}

/** The prediction of the given kind that corresponds to x0 at x. */
export function fromX0(kind: Prediction, x0: Tensor, x: Tensor, c: Coefficients): Tensor {
  switch (kind) {
    case 'x0':
      return x0;
    case 'eps':
      return x.sub(x0.mul(c.a)).div(c.b);
    case 'score':
      return x0.mul(c.a).sub(x).div(sq(c.b));
    case 'scaled-score':
      return x0.mul(c.a).sub(x).div(c.b); // -eps
    case 'v':
      return x.sub(x0.mul(c.a)).div(c.b).mul(c.a).sub(x0.mul(c.b)); // a eps - b x0
    case 'edm': {
      const k = edmScales(c);
      return x0.sub(x.mul(k.frame).mul(k.skip)).div(k.out);
    }
  }
}

/** Converts a prediction from one kind to another at x (through x0). */
export function convertPrediction(
  pred: Tensor,
  x: Tensor,
  c: Coefficients,
  kinds: { from: Prediction; to: Prediction },
): Tensor {
  return kinds.from === kinds.to ? pred : fromX0(kinds.to, toX0(kinds.from, pred, x, c), x, c);
}
