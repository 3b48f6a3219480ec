// Training the feature classifier (networks/classifier.ts) on a labelled dataset, its accuracy on a held-out
// split, and the classifier file: weights in safetensors with the config, class names and test accuracy in the
// metadata, so loading it needs no other file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng, adamW, crossEntropy, indices, noGrad, tidy, type Tensor } from '../engine/index.js';
import { loadSafetensors, saveSafetensors } from '../io/index.js';
import { Classifier, classifierConfig, type ClassifierConfig } from '../networks/index.js';
import { batches, batchImages, type Dataset } from '../data/index.js';
import { learningRate } from '../train/index.js';

const FORMAT = 'difflab-classifier-1';

/** The Fashion-MNIST feature classifier shipped with the package (dist/src/eval -> repository root). */
export const DEFAULT_CLASSIFIER_PATH = fileURLToPath(
  new URL('../../../models/fashion-mnist-classifier.safetensors', import.meta.url),
);

export interface ClassifierTrainOptions {
  /** Passes over the training set. Default 5. */
  epochs?: number;
  /** Images per step. Default 128. */
  batchSize?: number;
  /** Peak learning rate (AdamW, linear warm-up then cosine to 5%). Default 2e-3. */
  lr?: number;
  /** AdamW decoupled weight decay. Default 0.05. */
  weightDecay?: number;
  /** Random left-right flips (clothes keep their class mirrored). Default 'hflip'. */
  augment?: 'none' | 'hflip';
  /** Seed of the initial weights, batch order and flips. Default 0. */
  seed?: number;
  /** After every step (progress bars). */
  onStep?: (r: { step: number; totalSteps: number; loss: number }) => void;
}

/** A trained classifier with what its file records. */
export interface TrainedClassifier {
  classifier: Classifier;
  classNames: string[];
  /** Fraction of the held-out split classified correctly (null when no test set was given). */
  testAccuracy: number | null;
  /** Free-form facts stored in the file: data source, epochs, the command line. */
  info: Record<string, string>;
}

/** Trains a classifier on `train` (labels required); measures accuracy on `test` when given. */
export async function trainClassifier(
  train: Dataset,
  test: Dataset | null,
  o: ClassifierTrainOptions = {},
): Promise<TrainedClassifier> {
  if (!train.labels || train.classNames.length < 2) {
    throw new Error(`${train.source}: a classifier needs labelled data with at least 2 classes`);
  }
  const epochs = o.epochs ?? 5,
    batchSize = o.batchSize ?? 128,
    lr = o.lr ?? 2e-3,
    seed = o.seed ?? 0;
  // Whole batches only: fewer images than one batch would give no step at all (and looped for ever).
  if (train.count < batchSize)
    throw new Error(
      `${train.source}: ${train.count} images, fewer than one batch of ${batchSize} (use a smaller batch)`,
    );
  const [c, h] = train.shape;
  const net = new Classifier(
    classifierConfig({ imageChannels: c, imageSize: h, numClasses: train.classNames.length }),
    { rng: new Rng(seed).stream(0) },
  );
  const opt = adamW(net.parameters(), { lr, weightDecay: o.weightDecay ?? 0.05 });
  const perEpoch = Math.floor(train.count / batchSize);
  const totalSteps = Math.max(1, Math.round(epochs * perEpoch));
  const schedule = {
    lr,
    lrWarmupSteps: Math.min(200, Math.floor(totalSteps / 10)),
    lrDecay: 'cosine' as const,
    totalSteps,
    lrMinFactor: 0.05,
  };
  net.train();
  let step = 0;
  for (let epoch = 0; step < totalSteps; epoch++) {
    const rng = new Rng(seed).stream(1 + epoch);
    for (const b of batches(train, { batchSize, rng, augment: o.augment ?? 'hflip', remainder: 'drop' })) {
      if (step >= totalSteps) break;
      step += 1;
      const loss = tidy(() => {
        const l = crossEntropy(net.forward(b.images()), indices(b.labels!));
        opt.zeroGrad();
        l.backward();
        return l.item();
      });
      opt.update(learningRate(step, schedule));
      o.onStep?.({ step, totalSteps, loss });
      if (step % 20 === 0) await new Promise((r) => setImmediate(r)); // let signals and I/O through
    }
  }
  opt.dispose();
  net.eval();
  return {
    classifier: net,
    classNames: [...train.classNames],
    testAccuracy: test ? classifierAccuracy(net, test) : null,
    info: {
      data: train.source,
      epochs: String(epochs),
      batchSize: String(batchSize),
      lr: String(lr),
      seed: String(seed),
    },
  };
}

/** Predicted class ids of images (N, C, H, W) in [-1, 1], in batches. */
export function predictClasses(net: Classifier, images: Tensor, batchSize = 500): Int32Array {
  const n = images.shape[0]!,
    out = new Int32Array(n);
  for (let i = 0; i < n; i += batchSize) {
    out.set(
      noGrad(() =>
        tidy(() =>
          net
            .forward(images.slice(0, i, Math.min(n, i + batchSize)))
            .argmax(1)
            .toInt32Array(),
        ),
      ),
      i,
    );
  }
  return out;
}

/** Fraction of a labelled dataset the classifier gets right. */
export function classifierAccuracy(net: Classifier, data: Dataset, batchSize = 500): number {
  if (!data.labels) throw new Error(`${data.source}: accuracy needs labels`);
  let right = 0;
  for (let i = 0; i < data.count; i += batchSize) {
    const ids = Int32Array.from({ length: Math.min(batchSize, data.count - i) }, (_, k) => i + k);
    const pred = noGrad(() => tidy(() => net.forward(batchImages(data, ids)).argmax(1).toInt32Array()));
    pred.forEach((p, k) => {
      if (p === data.labels![i + k]) right += 1;
    });
  }
  return right / data.count;
}

/** Writes the classifier file (weights + config, class names, test accuracy and info in the metadata). */
export function saveClassifier(path: string, t: TrainedClassifier): void {
  saveSafetensors(path, t.classifier.stateDict(), {
    format: FORMAT,
    config: JSON.stringify(t.classifier.config),
    classNames: JSON.stringify(t.classNames),
    testAccuracy: t.testAccuracy === null ? '' : String(t.testAccuracy),
    ...t.info,
  });
}

/** Loads a classifier file (eval mode). */
export function loadClassifier(path: string = DEFAULT_CLASSIFIER_PATH): TrainedClassifier {
  if (!existsSync(path)) {
    throw new Error(
      path === DEFAULT_CLASSIFIER_PATH
        ? `the default classifier ${path} is not there (train it with difflab classifier train, or pass --classifier FILE)`
        : `${path}: no such classifier file`,
    );
  }
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.format !== FORMAT)
    throw new Error(`${path}: not a difflab classifier (format '${metadata.format ?? 'none'}')`);
  const { format: _f, config, classNames, testAccuracy, ...info } = metadata;
  const net = new Classifier(JSON.parse(config!) as ClassifierConfig, { rng: new Rng(0) });
  net.loadStateDict(tensors);
  tidy(() => Object.values(tensors).forEach((t) => t.dispose()));
  return {
    classifier: net.eval(),
    classNames: JSON.parse(classNames ?? '[]') as string[],
    testAccuracy: testAccuracy ? Number(testAccuracy) : null,
    info,
  };
}
