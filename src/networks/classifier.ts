// A small image classifier (three conv blocks and a two-layer head) whose penultimate activations are the
// features FID, KID and precision/recall are computed on. Inception features fit 28x28 grey images poorly; the
// practice for MNIST-like data is a classifier trained on the data set itself (see docs/MODELS.md).
import { adaptiveAvgPool2d, maxPool2d, type Rng, type Tensor } from '../engine/index.js';
import { Conv2d, GroupNorm, Linear, Module } from '../nn/index.js';

/** The architecture; stored as JSON in the classifier file's metadata. */
export interface ClassifierConfig {
  /** Image channels: 1 (grey) or 3 (RGB). */
  imageChannels: number;
  /** Height = width of the input images (>= 8). */
  imageSize: number;
  /** Number of classes. */
  numClasses: number;
  /** Channels of the three conv blocks (the first two are followed by a 2x2 max-pool). Default [32, 64, 96]. */
  widths: [number, number, number];
  /** Size of the feature vector (the penultimate layer). Default 128. */
  featureDim: number;
  /** Groups of each GroupNorm. Default 8. */
  groups: number;
}

/** A full config from the data facts; widths, featureDim and groups take their defaults unless given. */
export function classifierConfig(
  o: Pick<ClassifierConfig, 'imageChannels' | 'imageSize' | 'numClasses'> & Partial<ClassifierConfig>,
): ClassifierConfig {
  const c: ClassifierConfig = { widths: [32, 64, 96], featureDim: 128, groups: 8, ...o };
  if (c.imageSize < 8) throw new Error(`classifier: imageSize must be >= 8, got ${c.imageSize}`);
  if (c.numClasses < 2) throw new Error(`classifier: needs at least 2 classes, got ${c.numClasses}`);
  return c;
}

/** conv 3x3 -> GroupNorm -> ReLU. */
class ConvBlock extends Module {
  readonly conv: Conv2d;
  readonly norm: GroupNorm;
  constructor(inCh: number, outCh: number, groups: number, rng: Rng) {
    super();
    this.conv = this.child('conv', new Conv2d(inCh, outCh, 3, { rng }));
    this.norm = this.child('norm', new GroupNorm(groups, outCh));
  }
  forward(x: Tensor): Tensor {
    return this.norm.forward(this.conv.forward(x)).relu();
  }
}

/** Spatial size of the pooled map the head reads (3x3 for 28x28 input). */
const POOLED = 3;

export class Classifier extends Module {
  readonly blocks: ConvBlock[];
  readonly embed: Linear;
  readonly head: Linear;

  constructor(
    readonly config: ClassifierConfig,
    o: { rng: Rng },
  ) {
    super();
    const [a, b, c] = config.widths;
    this.blocks = this.children('blocks', [
      new ConvBlock(config.imageChannels, a, config.groups, o.rng),
      new ConvBlock(a, b, config.groups, o.rng),
      new ConvBlock(b, c, config.groups, o.rng),
    ]);
    this.embed = this.child('embed', new Linear(c * POOLED * POOLED, config.featureDim, o));
    this.head = this.child('head', new Linear(config.featureDim, config.numClasses, o));
  }

  /**
   * The feature vectors (N, featureDim) of images (N, C, H, W) in [-1, 1]: the penultimate layer before its
   * ReLU (closer to Gaussian than the rectified values, which is what the Frechet distance assumes).
   */
  features(x: Tensor): Tensor {
    const { imageChannels: ch, imageSize: s } = this.config;
    if (x.rank !== 4 || x.shape[1] !== ch || x.shape[2] !== s || x.shape[3] !== s) {
      throw new Error(`classifier: expected images (N, ${ch}, ${s}, ${s}), got [${x.shape.join(', ')}]`);
    }
    let h = this.blocks[0]!.forward(x); // (N, a, s, s)
    h = this.blocks[1]!.forward(maxPool2d(h, 2)); // (N, b, s/2, s/2)
    h = this.blocks[2]!.forward(maxPool2d(h, 2)); // (N, c, s/4, s/4)
    h = adaptiveAvgPool2d(h, [POOLED, POOLED]); // (N, c, 3, 3)
    return this.embed.forward(h.flatten(1)); // (N, featureDim)
  }

  /** Class logits (N, numClasses) from features. */
  logitsOf(features: Tensor): Tensor {
    return this.head.forward(features.relu());
  }

  /** Class logits (N, numClasses) of images in [-1, 1]. */
  forward(x: Tensor): Tensor {
    return this.logitsOf(this.features(x));
  }
}
