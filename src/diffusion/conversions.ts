// The one place where the four things a network may predict are converted into each other. For
//   x = a x0 + b eps          (a = alpha(t), b = sigma(t) of a schedule, scalars or per-row tensors)
// the predictions are
//   eps:   the noise eps                      (DDPM)
//   x0:    the clean sample                   (a "denoiser")
//   v:     a eps - b x0                       (Salimans & Ho 2022, "velocity"; for VP a^2 + b^2 = 1)
//   score: grad log p(x) = -eps / b           (Song et al. 2021; the score of the noisy marginal)
// Each is an affine function of (x0, eps) at fixed x, so any one determines the others exactly.
import type { Scalar, Tensor } from '../engine/index.js';

/** What a network's output means. */
export type Prediction = 'eps' | 'x0' | 'v' | 'score';

/** The coefficients of x = a x0 + b eps: numbers, or tensors that broadcast against x (shape [B, 1, ...]). */
export interface Coefficients {
  a: Scalar;
  b: Scalar;
}

const sq = (s: Scalar): Scalar => (typeof s === 'number' ? s * s : s.square());
const plus = (p: Scalar, q: Scalar): Scalar =>
  typeof p === 'number' ? (typeof q === 'number' ? p + q : q.add(p)) : p.add(q);
const sumSq = (c: Coefficients): Scalar => plus(sq(c.a), sq(c.b));

/** x0 from a prediction of the given kind at x. */
export function toX0(kind: Prediction, pred: Tensor, x: Tensor, c: Coefficients): Tensor {
  switch (kind) {
    case 'x0':
      return pred;
    case 'eps':
      return x.sub(pred.mul(c.b)).div(c.a);
    case 'score':
      return x.add(pred.mul(sq(c.b))).div(c.a); // eps = -b * score
    case 'v':
      return x.mul(c.a).sub(pred.mul(c.b)).div(sumSq(c)); // a x - b v = (a^2 + b^2) x0
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
    case 'v':
      return x.sub(x0.mul(c.a)).div(c.b).mul(c.a).sub(x0.mul(c.b)); // a eps - b x0
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
