// The score U-Net of the score-based diffusion tutorial (seed 000; Song et al. 2021): Gaussian Fourier time
// features, a "Dense" projection of the embedding added after every convolution, GroupNorm + swish, unpadded
// convolutions down (28 -> 26 -> 12 -> 5 -> 2) and transposed ones back up. The tutorial divides the output h by
// sigma_t, the marginal std of the forward process, to get the score; a network does not know the schedule, so
// that division is the 'scaled-score' prediction (diffusion/conversions.ts), and this network returns h itself.
import { cat, indices, type Rng, type Tensor } from '../engine/index.js';
import { Conv2d, ConvTranspose2d, Embedding, GroupNorm, Linear, Module } from '../nn/index.js';
import { groupsFor } from './blocks.js';
import { FastConvTranspose2d } from './conv-transpose.js';
import { effectiveClasses, TimeFeatureMap, type NetworkCond } from './conditioning.js';
import { Network } from './network.js';

export interface ScoreUNetConfig {
  kind: 'score';
  /** Image channels in and out. Default 1. */
  imageChannels: number;
  /** Widths of the four levels. Default [32, 64, 128, 256] (the tutorial's). */
  channels: [number, number, number, number];
  /** Gaussian Fourier embedding width. Default 256. */
  embedDim: number;
  /** Std of the random Fourier frequencies. Default 30 (the tutorial's). */
  fourierScale: number;
  /** Real classes (0: unconditional), embedded and added to the time embedding. Default 0. */
  numClasses: number;
  /** Probability that a label becomes the null class in training mode. Default 0.1. */
  labelDropout: number;
  /** GroupNorm groups of the first level (later levels use 32 as the tutorial). Default 4. */
  firstGroups: number;
}

export function scoreUNetConfig(o: Partial<ScoreUNetConfig> = {}): ScoreUNetConfig {
  return {
    kind: 'score',
    imageChannels: 1,
    channels: [32, 64, 128, 256],
    embedDim: 256,
    fourierScale: 30,
    numClasses: 0,
    labelDropout: 0.1,
    firstGroups: 4,
    ...o,
  };
}

/** A convolution plus the embedding projected to its channels, then GroupNorm and swish (omitted on the last). */
class ConvStage extends Module {
  readonly conv: Conv2d | ConvTranspose2d;
  readonly dense: Linear;
  readonly norm: GroupNorm | null;
  constructor(conv: Conv2d | ConvTranspose2d, cout: number, o: { embedDim: number; groups: number | null; rng: Rng }) {
    super();
    this.conv = this.child('conv', conv);
    this.dense = this.child('dense', new Linear(o.embedDim, cout, { rng: o.rng }));
    this.norm = o.groups === null ? null : this.child('norm', new GroupNorm(groupsFor(o.groups, cout), cout));
  }
  forward(x: Tensor, embed: Tensor): Tensor {
    const h = this.conv.forward(x).add(this.dense.forward(embed).unsqueeze(-1).unsqueeze(-1)); // (N, C, H, W)
    return this.norm ? this.norm.forwardSilu(h) : h;
  }
}

export class ScoreUNet extends Network {
  readonly config: ScoreUNetConfig;
  readonly timeFeatures: TimeFeatureMap;
  readonly timeLinear: Linear;
  readonly classEmbed: Embedding | null;
  readonly down: ConvStage[];
  readonly up: ConvStage[];
  readonly outConv: ConvTranspose2d;

  constructor(config: Partial<ScoreUNetConfig>, o: { rng: Rng }) {
    super();
    const c = (this.config = scoreUNetConfig(config));
    const { rng } = o;
    const [c1, c2, c3, c4] = c.channels;
    const E = c.embedDim;
    const s = (conv: Conv2d | ConvTranspose2d, cout: number, groups: number) =>
      new ConvStage(conv, cout, { embedDim: E, groups, rng });
    this.timeFeatures = this.child(
      'timeFeatures',
      new TimeFeatureMap({ kind: 'fourier', scale: c.fourierScale }, E, rng),
    );
    this.timeLinear = this.child('timeLinear', new Linear(E, E, { rng }));
    this.classEmbed = c.numClasses > 0 ? this.child('classEmbed', new Embedding(c.numClasses + 1, E, { rng })) : null;
    this.down = this.children('down', [
      s(new Conv2d(c.imageChannels, c1, 3, { rng, padding: 0, bias: false }), c1, c.firstGroups),
      s(new Conv2d(c1, c2, 3, { rng, stride: 2, bias: false }), c2, 32),
      s(new Conv2d(c2, c3, 3, { rng, stride: 2, bias: false }), c3, 32),
      s(new Conv2d(c3, c4, 3, { rng, stride: 2, bias: false }), c4, 32),
    ]);
    this.up = this.children('up', [
      s(new FastConvTranspose2d(c4, c3, 3, { rng, stride: 2, bias: false }), c3, 32),
      s(new FastConvTranspose2d(2 * c3, c2, 3, { rng, stride: 2, bias: false, outputPadding: 1 }), c2, 32),
      s(new FastConvTranspose2d(2 * c2, c1, 3, { rng, stride: 2, bias: false, outputPadding: 1 }), c1, 32),
    ]);
    this.outConv = this.child('outConv', new FastConvTranspose2d(2 * c1, c.imageChannels, 3, { rng }));
  }

  get imageChannels(): number {
    return this.config.imageChannels;
  }
  get numClasses(): number {
    return this.config.numClasses;
  }

  forward(x: Tensor, time: Tensor, cond?: NetworkCond): Tensor {
    this.checkInput(x, time, 1);
    let embed = this.timeLinear.forward(this.timeFeatures.forward(time)); // (N, E)
    if (this.classEmbed) {
      const ids = effectiveClasses(cond, { ...this.config, training: this.training, batch: x.shape[0]! });
      embed = embed.add(this.classEmbed.forward(indices(ids, x.device)));
    }
    embed = this.mark('embedding', embed.silu());
    const [a, b, c, d] = this.down as [ConvStage, ConvStage, ConvStage, ConvStage];
    const h1 = this.mark('down.0', a.forward(this.formatInput(x), embed)); // (N, c1, H-2, W-2)
    const h2 = this.mark('down.1', b.forward(h1, embed)); // (N, c2, 12, 12) for 28x28
    const h3 = this.mark('down.2', c.forward(h2, embed)); // (N, c3, 5, 5)
    const h4 = this.mark('down.3', d.forward(h3, embed)); // (N, c4, 2, 2)
    const [u4, u3, u2] = this.up as [ConvStage, ConvStage, ConvStage];
    let h = this.mark('up.0', u4.forward(h4, embed)); // (N, c3, 5, 5)
    h = this.mark('up.1', u3.forward(this.skip(h, h3), embed)); // (N, c2, 12, 12)
    h = this.mark('up.2', u2.forward(this.skip(h, h2), embed)); // (N, c1, 26, 26)
    return this.mark('outConv', this.outConv.forward(this.skip(h, h1))); // (N, C, H, W): h, the score times sigma_t
  }

  /** Concatenates a decoder map with its encoder skip; the unpadded arithmetic only closes for some sizes. */
  private skip(h: Tensor, skip: Tensor): Tensor {
    if (h.shape[2] !== skip.shape[2] || h.shape[3] !== skip.shape[3]) {
      throw new Error(
        'ScoreUNet: its unpadded convolutions do not close for this image size ' +
          `(decoder ${h.shape[2]}x${h.shape[3]} vs skip ${skip.shape[2]}x${skip.shape[3]}); 28x28 works`,
      );
    }
    return cat([h, skip], 1);
  }
}
