// Evaluating a generative model the way the field does, on the feature classifier's features: FID and KID
// against n real training images, optional k-NN precision/recall, the classifier's accuracy on the requested class
// of every generated image, and, always beside them, the real-vs-real floor: the same metrics for n held-out
// real images (test split) against the same n training images. A perfect model scores the floor, not 0. A model
// that reads text is measured over a list of prompts, with prompt fidelity (prompts.ts) in place of class accuracy.
import { PerSampleRng, Rng, cat, indices, noGrad, tidy, type Tensor } from '../engine/index.js';
import { batchImages, subsetOf, type Dataset } from '../data/index.js';
import type { Cond } from '../diffusion/index.js';
import { classifierFreeGuidance, type Denoiser } from '../denoisers/index.js';
import { countEvaluations, type Sampler } from '../samplers/index.js';
import type { Classifier } from '../networks/index.js';
import { featureStats, frechetDistance, kid, precisionRecall, type KidResult } from './metrics.js';
import { generateShards, readShards } from './shards.js';
import {
  namedClassRanks,
  pickPromptImages,
  promptClasses,
  promptFidelity,
  promptsWithoutPictures,
  type PromptFidelity,
} from './prompts.js';

/** Features and predicted classes of a set of images. */
export interface Classified {
  /** (N, featureDim) float32. */
  features: Tensor;
  /** Predicted class id per image. */
  predicted: Int32Array;
  /** The classifier's probability of its prediction per image (the largest softmax output). */
  confidence: Float32Array;
}

/**
 * Features and predictions of images (N, C, H, W) in [-1, 1]. Generated images are first clipped to [-1, 1] and
 * rounded to the 256 grey levels real images have, as a PNG would store them.
 */
export function classifyImages(net: Classifier, images: Tensor, batchSize = 500): Classified {
  const n = images.shape[0]!;
  const parts: Tensor[] = [],
    predicted = new Int32Array(n),
    confidence = new Float32Array(n);
  noGrad(() => {
    for (let i = 0; i < n; i += batchSize) {
      const f = tidy(() => {
        const x = images
          .slice(0, i, Math.min(n, i + batchSize))
          .clamp(-1, 1)
          .add(1)
          .mul(127.5)
          .round()
          .div(127.5)
          .sub(1);
        return net.features(x);
      });
      tidy(() => {
        const logits = net.logitsOf(f);
        predicted.set(logits.argmax(1).toInt32Array(), i);
        // max softmax = 1 / sum_j exp(l_j - max l)
        confidence.set(logits.sub(logits.max(1, true)).exp().sum(1).reciprocal().toFloat32Array(), i);
      });
      parts.push(f);
    }
  });
  const features = cat(parts, 0);
  for (const p of parts) p.dispose();
  return { features, predicted, confidence };
}

/** The share of images the classifier names with at least this probability (a digit "judged a digit"). */
export const RECOGNISED_AT = 0.9;

/** How many images the classifier recognises (confidence >= RECOGNISED_AT), and as which class. */
export interface Recognised {
  threshold: number;
  /** Share of the generated images recognised. */
  share: number;
  /** The same share for the held-out real images (what a perfect model would score). */
  floorShare: number;
  /** Recognised generated images per predicted class. */
  perClass: { id: number; name: string; count: number }[];
}

export function recognised(gen: Classified, held: Classified, classNames: readonly string[]): Recognised {
  const share = (c: Classified) => c.confidence.filter((p) => p >= RECOGNISED_AT).length / c.confidence.length;
  const counts = new Map<number, number>();
  gen.predicted.forEach((k, i) => {
    if (gen.confidence[i]! >= RECOGNISED_AT) counts.set(k, (counts.get(k) ?? 0) + 1);
  });
  return {
    threshold: RECOGNISED_AT,
    share: share(gen),
    floorShare: share(held),
    perClass: [...counts]
      .sort(([a], [b]) => a - b)
      .map(([id, count]) => ({ id, name: classNames[id] ?? String(id), count })),
  };
}

/** Indices of n images of a dataset, drawn by rng: row i of class classes[i % k] when classes are given. */
export function pickImages(d: Dataset, n: number, classes: readonly number[] | null, rng: Rng): Int32Array {
  const order = rng.permutation(d.count);
  if (classes === null || classes.length === 0) return order.slice(0, Math.min(n, d.count));
  if (!d.labels) throw new Error(`${d.source}: picking images by class needs labels`);
  const byClass = new Map<number, number[]>(classes.map((c) => [c, []]));
  for (const i of order) byClass.get(d.labels[i]!)?.push(i);
  const used = new Map<number, number>(classes.map((c) => [c, 0]));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = classes[i % classes.length]!,
      k = used.get(c)!;
    const next = byClass.get(c)![k];
    if (next === undefined) break; // that class ran out: fewer than n
    used.set(c, k + 1);
    out.push(next);
  }
  return Int32Array.from(out);
}

/**
 * Two disjoint halves of a dataset (for sources without a test split), drawn by rng: 'random' halves of the whole,
 * or 'class' (stratified): every class halved, so that a class of two pictures has one in each half (the odd
 * pictures dealt out in turn).
 */
export function splitHalves(d: Dataset, rng: Rng, by: 'random' | 'class' = 'random'): [Dataset, Dataset] {
  const order = rng.permutation(d.count);
  if (by === 'random' || !d.labels) {
    const half = Math.floor(d.count / 2);
    return [subsetOf(d, order.slice(0, half)), subsetOf(d, order.slice(half, 2 * half))];
  }
  const byClass = new Map<number, number[]>();
  for (const i of order) {
    const members = byClass.get(d.labels[i]!) ?? [];
    if (members.length === 0) byClass.set(d.labels[i]!, members);
    members.push(i);
  }
  const halves: [number[], number[]] = [[], []];
  let odd = 0;
  for (const members of byClass.values()) {
    const half = Math.floor(members.length / 2);
    halves[0].push(...members.slice(0, half));
    halves[1].push(...members.slice(half, 2 * half));
    if (members.length % 2 === 1) halves[odd++ % 2]!.push(members[members.length - 1]!);
  }
  return [subsetOf(d, halves[0]), subsetOf(d, halves[1])];
}

/** Features of dataset images at `ids`. */
export function classifyDataset(net: Classifier, d: Dataset, ids: Int32Array): Classified {
  return tidy(() => classifyImages(net, batchImages(d, ids)));
}

/** The distances between two feature sets. */
export interface Comparison {
  /** Sizes of the two sets. */
  n: [number, number];
  fid: number;
  kid: KidResult;
  precision?: number;
  recall?: number;
}

export interface CompareOptions {
  /** Seed of the KID subsets. Default 0. */
  seed?: number;
  /** KID subsets. Default 100. */
  kidSubsets?: number;
  /** Also compute k-NN precision/recall (k = 3; costs an N x N distance pass). Default false. */
  precisionRecall?: boolean;
}

/** FID, KID (and precision/recall) of `b` against the reference `a`. */
export function compareFeatures(a: Tensor, b: Tensor, o: CompareOptions = {}): Comparison {
  const out: Comparison = {
    n: [a.shape[0]!, b.shape[0]!],
    fid: frechetDistance(featureStats(a), featureStats(b)),
    kid: kid(a, b, { rng: new Rng(o.seed ?? 0), subsets: o.kidSubsets ?? 100 }),
  };
  if (o.precisionRecall) Object.assign(out, precisionRecall(a, b));
  return out;
}

/** The classifier's accuracy on generated images, per requested class. */
export interface ClassAccuracy {
  /** Share of all generated images classified as their requested class. */
  mean: number;
  perClass: { id: number; name: string; n: number; accuracy: number }[];
}

export function classAccuracy(wanted: Int32Array, predicted: Int32Array, classNames: readonly string[]): ClassAccuracy {
  const ids = [...new Set(wanted)].sort((a, b) => a - b);
  const perClass = ids.map((id) => {
    let n = 0,
      right = 0;
    wanted.forEach((w, i) => {
      if (w === id) {
        n += 1;
        if (predicted[i] === id) right += 1;
      }
    });
    return { id, name: classNames[id] ?? String(id), n, accuracy: right / n };
  });
  const right = wanted.reduce((acc, w, i) => acc + (predicted[i] === w ? 1 : 0), 0);
  return { mean: right / wanted.length, perClass };
}

/** What the samples ask for, cycled: sample i asks for entry i % k. */
export type EvalCondition =
  | { kind: 'none' }
  | { kind: 'classes'; classes: readonly number[] }
  | {
      kind: 'prompts';
      prompts: readonly string[];
      /** The model's condition for a batch of prompts and guidance's unconditional branch (jobs' jobCondition). */
      encode(prompts: readonly string[]): { cond: Cond; nullCond: Cond };
    };

export interface ModelEvalOptions {
  /** The model as a denoiser, unguided. */
  denoiser: Denoiser;
  /** Classifier-free guidance weight w for conditioned samples (1: none). Default 1. */
  guidance?: number;
  sampler: Sampler;
  /** Sampler steps; undefined: the sampler's default. */
  numSteps?: number;
  /** [C, H, W] of the samples. */
  imageShape: readonly [number, number, number];
  condition: EvalCondition;
  /** Sample i's noise is stream i of this seed. */
  seed: number;
  /** Number of samples, exactly. */
  n: number;
  /** Samples per generator call and per shard. */
  batchSize: number;
  /** Where the shards go (resumable). */
  workDir: string;
  /** What the samples depend on besides seed, condition and batch size (model, sampler, steps, guidance). */
  identity: Record<string, unknown>;
  classifier: Classifier;
  /** The classifier's class names (for a class-conditional model, the model's). */
  classNames: readonly string[];
  /** Real images the samples are compared with (the training split). */
  reference: Dataset;
  /** Held-out real images for the floor (the test split). */
  floor: Dataset;
  compare?: CompareOptions;
  /** After each shard: samples present so far, and whether the shard was already on disk (a resumed run). */
  onProgress?(done: number, total: number, reused: boolean): void;
  signal?: AbortSignal;
}

/**
 * Which real pictures the samples are compared with: those of the requested classes, those of the classes the
 * prompts name, or the data's pictures at large (unconditional samples, or a prompt that names no picture).
 */
export type ReferencePictures = 'classes' | 'prompted' | 'all';

export interface ModelEvalResult {
  status: 'done';
  /** Samples evaluated. */
  n: number;
  /** Denoiser calls per sample (network evaluations, before guidance doubles them). */
  denoiserCalls: number;
  generated: Comparison;
  floor: Comparison;
  /** How the reference (and the floor's held-out) pictures were drawn. */
  referencePictures: ReferencePictures;
  /** Prompts naming no picture of the reference or of the floor set (why the pictures are 'all'). */
  promptsWithoutPictures: string[];
  classAccuracy: ClassAccuracy | null;
  /** With prompts: how often the classifier names a class the prompt names (null when none names a class). */
  promptFidelity: PromptFidelity | null;
  /** Samples the classifier recognises with confidence >= 0.9, beside held-out real images. */
  recognised: Recognised;
  seconds: { sampling: number; metrics: number };
}

/** The shard identity of a condition: classes as before prompts existed (their shards stay valid), or the prompts. */
const conditionIdentity = (c: EvalCondition) =>
  c.kind === 'prompts' ? { classes: null, prompts: c.prompts } : { classes: c.kind === 'classes' ? c.classes : null };

/** The classes each prompt names in either set: a caption's pictures may all lie in one half of the data. */
function namedInEither(a: Dataset, b: Dataset, prompts: readonly string[]): number[][] {
  const inB = promptClasses(b, prompts);
  return promptClasses(a, prompts).map((ids, j) => [...new Set([...ids, ...inB[j]!])].sort((x, y) => x - y));
}

/**
 * The reference and held-out pictures: of the sample's class, of a class its prompt names when every prompt names
 * pictures in both sets, else the data's pictures at large.
 */
function pickReference(
  o: Pick<ModelEvalOptions, 'reference' | 'floor' | 'n'>,
  prompts: { prompts: readonly string[]; named: readonly (readonly number[])[] } | null,
  classes: readonly number[] | null,
  rng: Rng,
): { reference: Int32Array; floor: Int32Array; pictures: ReferencePictures; promptsWithoutPictures: string[] } {
  if (prompts) {
    const reference = pickPromptImages(o.reference, o.n, prompts.named, rng),
      floor = pickPromptImages(o.floor, o.n, prompts.named, rng);
    if (reference && floor) return { reference, floor, pictures: 'prompted', promptsWithoutPictures: [] };
  }
  const lacking = (d: Dataset) => (prompts ? promptsWithoutPictures(d, prompts.prompts, prompts.named) : []);
  return {
    reference: pickImages(o.reference, o.n, classes, rng),
    floor: pickImages(o.floor, o.n, classes, rng),
    pictures: classes ? 'classes' : 'all',
    promptsWithoutPictures: [...new Set([...lacking(o.reference), ...lacking(o.floor)])],
  };
}

/** Samples n images (resuming from the shards in workDir), then measures them and the floor. */
export async function evaluateModel(o: ModelEvalOptions): Promise<ModelEvalResult | { status: 'aborted' }> {
  const c = o.condition;
  const cycled = <T>(list: readonly T[], first: number, count: number) =>
    Array.from({ length: count }, (_, k) => list[(first + k) % list.length]!);
  const generate = (first: number, count: number) => {
    const { cond, nullCond } =
      c.kind === 'none'
        ? { cond: null, nullCond: null }
        : c.kind === 'classes'
          ? { cond: indices(cycled(c.classes, first, count)), nullCond: null }
          : c.encode(cycled(c.prompts, first, count));
    const denoiser =
      c.kind === 'none' ? o.denoiser : classifierFreeGuidance(o.denoiser, { scale: o.guidance ?? 1, nullCond });
    return o.sampler(denoiser, [count, ...o.imageShape], {
      rng: PerSampleRng.of(o.seed, count, first),
      numSteps: o.numSteps,
      cond,
    });
  };
  const started = performance.now();
  const status = await generateShards({
    dir: o.workDir,
    n: o.n,
    samplesPerShard: o.batchSize,
    identity: { ...o.identity, seed: o.seed, ...conditionIdentity(c), samplesPerShard: o.batchSize },
    generate,
    onShard: (done, reused) => o.onProgress?.(done, o.n, reused),
    signal: o.signal,
  });
  if (status === 'aborted') return { status };
  const denoiserCalls = countEvaluations(o.sampler, o.denoiser.schedule, { numSteps: o.numSteps });
  const sampling = (performance.now() - started) / 1000;

  return tidy(() => {
    const t0 = performance.now();
    const samples = readShards(o.workDir, o.n, o.batchSize);
    const gen = classifyImages(o.classifier, samples);
    const classes = c.kind === 'classes' ? c.classes : null;
    const prompts =
      c.kind === 'prompts' ? { prompts: c.prompts, named: namedInEither(o.reference, o.floor, c.prompts) } : null;
    const picks = pickReference(o, prompts, classes, new Rng(o.compare?.seed ?? 0));
    const ref = classifyDataset(o.classifier, o.reference, picks.reference);
    const held = classifyDataset(o.classifier, o.floor, picks.floor);
    const wanted = Int32Array.from({ length: o.n }, (_, i) => (classes === null ? -1 : classes[i % classes.length]!));
    const ranks = prompts && namedClassRanks(o.classifier, gen.features, cycled(prompts.named, 0, o.n));
    return {
      status,
      n: o.n,
      denoiserCalls,
      generated: compareFeatures(ref.features, gen.features, o.compare),
      floor: compareFeatures(ref.features, held.features, o.compare),
      referencePictures: picks.pictures,
      promptsWithoutPictures: picks.promptsWithoutPictures,
      classAccuracy: classes === null ? null : classAccuracy(wanted, gen.predicted, o.classNames),
      promptFidelity: prompts && ranks ? promptFidelity(ranks, prompts.prompts, prompts.named, o.classNames) : null,
      recognised: recognised(gen, held, o.classNames),
      seconds: { sampling, metrics: (performance.now() - t0) / 1000 },
    };
  });
}

/**
 * The floor alone: n images of `a` against n images of `b` (e.g. the training split against the test split), and the
 * share of each the classifier recognises (a's as `share`, b's as `floorShare`).
 */
export function evaluateReal(
  classifier: Classifier,
  a: Dataset,
  b: Dataset,
  n: number,
  compare: CompareOptions = {},
  classNames: readonly string[] = [],
): Comparison & { recognised: Recognised } {
  return tidy(() => {
    const rng = new Rng(compare.seed ?? 0);
    const fa = classifyDataset(classifier, a, pickImages(a, n, null, rng));
    const fb = classifyDataset(classifier, b, pickImages(b, n, null, rng));
    // The share of a recognised, b's as its floor: pictures from elsewhere (another program's samples) measured so.
    return { ...compareFeatures(fa.features, fb.features, compare), recognised: recognised(fa, fb, classNames) };
  });
}
