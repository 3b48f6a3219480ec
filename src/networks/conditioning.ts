// What a network is told besides the image: a time (or noise level) embedding, optional class labels and optional
// condition vectors (text-style embeddings, vector-conditioning.ts). Networks take time as a float tensor (N)
// chosen by the caller (a step index, a time in [0, 1], a log-sigma): they never see a noise schedule. Class id
// `numClasses` is the null class, the "no label" input that classifier-free guidance contrasts with the real
// labels; a learned null embedding plays that part for vectors.
import { cat, tensor, type BatchRandom, type Rng, type Tensor } from '../engine/index.js';
import { Module } from '../nn/index.js';

/** Class ids per image: an int64 tensor (N), or plain numbers. */
export type ClassLabels = Tensor | Int32Array | readonly number[];

/** The conditioning of one forward call. */
export interface NetworkCond {
  /** Class ids in [0, numClasses]; numClasses is the null class. Omitted: the null class for every image. */
  classes?: ClassLabels;
  /**
   * One condition vector per image, (N, D), or one sequence per image, (N, L, D), for a network built with
   * `embeddingDim` D (and `embeddingLength` L). Omitted: the learned null embedding for every image.
   */
  embedding?: Tensor;
  /**
   * Token ids (N, L) int64 of one prompt per image, for a network with a text encoder (config `text`); omitted: the
   * empty prompt (the null condition) for every image.
   */
  tokens?: Tensor;
  /**
   * Draws condition dropout in training mode (each image's class and embedding become the null ones with the
   * network's `labelDropout` probability). Required when a conditional network is in training mode; ignored in eval.
   */
  rng?: BatchRandom;
}

/** How the scalar time becomes a vector (both are fixed features: the learning happens in the MLP after them). */
export type TimeFeatures =
  /** Transformer sinusoids of `timeScale * t`, periods from 2*pi up to 2*pi*maxPeriod (DDPM). */
  | { kind: 'sinusoidal'; maxPeriod: number; timeScale: number }
  /** sin/cos(2*pi*w*t) with fixed random frequencies w ~ N(0, scale^2) (Tancik et al. 2020; score SDE). */
  | { kind: 'fourier'; scale: number };

/** Plain class ids in JS, checked against the valid range [0, numClasses]. */
export function classIdArray(classes: ClassLabels, numClasses: number, batch: number): Int32Array {
  const ids =
    Array.isArray(classes) || classes instanceof Int32Array
      ? Int32Array.from(classes as ArrayLike<number>)
      : (classes as Tensor).toInt32Array();
  if (ids.length !== batch) throw new Error(`network: ${ids.length} class labels for a batch of ${batch}`);
  for (const c of ids) {
    if (!Number.isInteger(c) || c < 0 || c > numClasses) {
      throw new Error(`network: class id ${c} is outside [0, ${numClasses}] (${numClasses} is the null class)`);
    }
  }
  return ids;
}

/** 1 for each of n rows drawn to be dropped with probability p (one uniform per row from rng), else 0. */
export function dropMask(n: number, p: number, rng: BatchRandom): Uint8Array {
  return Uint8Array.from(rng.uniforms(n), (u) => (u < p ? 1 : 0));
}

/** Replaces each label by `nullClass` with probability p, drawing one uniform per label from rng. */
export function dropLabels(classes: Int32Array, nullClass: number, p: number, rng: BatchRandom): Int32Array {
  const drop = dropMask(classes.length, p, rng);
  return classes.map((c, i) => (drop[i] ? nullClass : c));
}

/**
 * The rows whose whole condition (class and embedding together) this call replaces by the null one: a mask drawn
 * from cond.rng in training mode, null in eval mode or without dropout. Throws when training needs an rng that
 * was not given.
 */
export function conditionDrops(
  cond: NetworkCond | undefined,
  o: { labelDropout: number; training: boolean; batch: number },
): Uint8Array | null {
  if (!o.training || o.labelDropout === 0) return null;
  if (!cond?.rng) {
    throw new Error(
      `network: training mode drops conditions (labels, embeddings) with p=${o.labelDropout} and needs ` +
        'cond.rng (pass { classes, embedding, rng }, or call net.eval() for inference)',
    );
  }
  return dropMask(o.batch, o.labelDropout, cond.rng);
}

/**
 * The class ids a conditional network should embed for this call: the given labels (or all null), with label
 * dropout applied in training mode. `drops`: the rows already drawn by conditionDrops for this call (a network that
 * also takes embeddings draws once for both); absent: drawn here.
 */
export function effectiveClasses(
  cond: NetworkCond | undefined,
  o: { numClasses: number; labelDropout: number; training: boolean; batch: number; drops?: Uint8Array | null },
): Int32Array {
  const ids =
    cond?.classes === undefined
      ? new Int32Array(o.batch).fill(o.numClasses)
      : classIdArray(cond.classes, o.numClasses, o.batch);
  const drops = o.drops !== undefined ? o.drops : conditionDrops(cond, o);
  return drops ? ids.map((c, i) => (drops[i] ? o.numClasses : c)) : ids;
}

/** Time (N) -> fixed features (N, dim). The Fourier frequencies are a buffer, saved with the weights. */
export class TimeFeatureMap extends Module {
  readonly frequencies: Tensor | null; // (dim/2) Fourier only
  constructor(
    readonly spec: TimeFeatures,
    readonly dim: number,
    rng: Rng,
  ) {
    super();
    if (dim % 2 !== 0) throw new Error(`time features: dim must be even, got ${dim}`);
    this.frequencies =
      spec.kind === 'fourier' ? this.buffer('frequencies', rng.randn([dim / 2]).mul(spec.scale)) : null;
  }
  forward(time: Tensor): Tensor {
    if (time.rank !== 1) throw new Error(`network: time must be a 1-D tensor (N), got [${time.shape.join(', ')}]`);
    const half = this.dim / 2;
    let args: Tensor; // (N, dim/2) angles
    if (this.spec.kind === 'fourier') {
      args = time
        .unsqueeze(1)
        .mul(this.frequencies!.unsqueeze(0))
        .mul(2 * Math.PI);
    } else {
      const { maxPeriod, timeScale } = this.spec;
      const freqs = Float32Array.from({ length: half }, (_, i) => Math.exp((-Math.log(maxPeriod) * i) / half));
      args = time
        .mul(timeScale)
        .unsqueeze(1)
        .mul(tensor(freqs, [1, half], time.device));
    }
    return cat([args.sin(), args.cos()], 1); // (N, dim)
  }
}
