// The small MNIST U-Net of the teaching project (seed 001): Conv / DownConv / UpConv / Flatten (average-pool
// 7 -> 1) / Unflatten blocks with D hidden channels, and FCBlock modulation of the two decoder stages by time t
// and one-hot class c: unflatten = c1 * unflatten + t1, up1 = c2 * up1 + t2. The project uses BatchNorm; difflab
// uses GroupNorm (the engine has no BatchNorm, and GroupNorm has no train/eval difference to go wrong).
import { avgPool2d, cat, tensor, type Rng, type Tensor } from '../engine/index.js';
import { Conv2d, ConvTranspose2d, GroupNorm, Linear, Module } from '../nn/index.js';
import { groupsFor } from './blocks.js';
import { FastConvTranspose2d } from './conv-transpose.js';
import { effectiveClasses, type NetworkCond } from './conditioning.js';
import { Network } from './network.js';

export interface ClassicUNetConfig {
  kind: 'classic';
  /** Image channels in and out. Default 1. */
  imageChannels: number;
  /** Height = width of the images, divisible by 4 (Flatten pools size/4 -> 1). Default 28. */
  imageSize: number;
  /** D, the hidden channels. Default 64 (the project's time-conditioned value). */
  hidden: number;
  /** 'fc-block': t1, t2 = FCBlock(t) added to the decoder; 'none': the plain denoiser of part 1. Default 'fc-block'. */
  timeInput: 'fc-block' | 'none';
  /** Real classes (0: no class modulation). The null class is the all-zero one-hot vector. Default 0. */
  numClasses: number;
  /** Probability that a label becomes the null class in training mode. Default 0.1. */
  labelDropout: number;
  /** GroupNorm groups standing in for BatchNorm. Default 8. */
  groups: number;
}

export function classicUNetConfig(o: Partial<ClassicUNetConfig> = {}): ClassicUNetConfig {
  return {
    kind: 'classic',
    imageChannels: 1,
    imageSize: 28,
    hidden: 64,
    timeInput: 'fc-block',
    numClasses: 0,
    labelDropout: 0.1,
    groups: 8,
    ...o,
  };
}

type ConvKind = 'conv' | 'down' | 'up' | 'unflatten';

/** The project's simple ops: a convolution of one kind, then norm and GELU. */
class ConvNormAct extends Module {
  readonly conv: Conv2d | ConvTranspose2d;
  readonly norm: GroupNorm;
  constructor(kind: ConvKind, cin: number, cout: number, o: { groups: number; rng: Rng; size?: number }) {
    super();
    const { rng } = o;
    this.conv = this.child(
      'conv',
      kind === 'conv'
        ? new Conv2d(cin, cout, 3, { rng, stride: 1, padding: 1 })
        : kind === 'down'
          ? new Conv2d(cin, cout, 3, { rng, stride: 2, padding: 1 })
          : kind === 'up'
            ? new FastConvTranspose2d(cin, cout, 4, { rng, stride: 2, padding: 1 })
            : new FastConvTranspose2d(cin, cout, o.size!, { rng, stride: o.size!, padding: 0 }),
    );
    this.norm = this.child('norm', new GroupNorm(groupsFor(o.groups, cout), cout));
  }
  forward(x: Tensor): Tensor {
    return this.norm.forward(this.conv.forward(x)).gelu();
  }
}

/** ConvBlock / DownBlock / UpBlock: a first op (changing channels or size) followed by a resolution-keeping Conv. */
class TwoOps extends Module {
  readonly ops: ConvNormAct[];
  constructor(first: ConvKind, cin: number, cout: number, o: { groups: number; rng: Rng }) {
    super();
    const extra = first === 'conv' ? [] : [new ConvNormAct('conv', cout, cout, o)];
    this.ops = this.children('ops', [
      new ConvNormAct(first, cin, cout, o),
      ...extra,
      new ConvNormAct('conv', cout, cout, o),
    ]);
  }
  forward(x: Tensor): Tensor {
    return this.ops.reduce((h, op) => op.forward(h), x);
  }
}

/** FCBlock: Linear, GELU, Linear; its output (N, F) modulates feature maps per channel. */
class FCBlock extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(fin: number, fout: number, rng: Rng) {
    super();
    this.fc1 = this.child('fc1', new Linear(fin, fout, { rng }));
    this.fc2 = this.child('fc2', new Linear(fout, fout, { rng }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).gelu()).unsqueeze(-1).unsqueeze(-1);
  } // (N, F, 1, 1)
}

export class ClassicUNet extends Network {
  readonly config: ClassicUNetConfig;
  readonly inBlock: TwoOps;
  readonly down1: TwoOps;
  readonly down2: TwoOps;
  readonly unflatten: ConvNormAct;
  readonly up1: TwoOps;
  readonly up2: TwoOps;
  readonly outBlock: TwoOps;
  readonly outConv: Conv2d;
  readonly timeFc: [FCBlock, FCBlock] | null;
  readonly classFc: [FCBlock, FCBlock] | null;

  constructor(config: Partial<ClassicUNetConfig>, o: { rng: Rng }) {
    super();
    const c = (this.config = classicUNetConfig(config));
    if (c.imageSize % 4 !== 0) throw new Error(`ClassicUNet: imageSize must be divisible by 4, got ${c.imageSize}`);
    const { rng } = o;
    const D = c.hidden;
    const b = { groups: c.groups, rng };
    this.inBlock = this.child('inBlock', new TwoOps('conv', c.imageChannels, D, b));
    this.down1 = this.child('down1', new TwoOps('down', D, D, b));
    this.down2 = this.child('down2', new TwoOps('down', D, 2 * D, b));
    this.unflatten = this.child(
      'unflatten',
      new ConvNormAct('unflatten', 2 * D, 2 * D, { ...b, size: c.imageSize / 4 }),
    );
    this.up1 = this.child('up1', new TwoOps('up', 4 * D, D, b));
    this.up2 = this.child('up2', new TwoOps('up', 2 * D, D, b));
    this.outBlock = this.child('outBlock', new TwoOps('conv', 2 * D, D, b));
    this.outConv = this.child('outConv', new Conv2d(D, c.imageChannels, 3, { rng, padding: 1 }));
    this.timeFc =
      c.timeInput === 'fc-block'
        ? [this.child('timeFc1', new FCBlock(1, 2 * D, rng)), this.child('timeFc2', new FCBlock(1, D, rng))]
        : null;
    this.classFc =
      c.numClasses > 0
        ? [
            this.child('classFc1', new FCBlock(c.numClasses, 2 * D, rng)),
            this.child('classFc2', new FCBlock(c.numClasses, D, rng)),
          ]
        : null;
  }

  get imageChannels(): number {
    return this.config.imageChannels;
  }
  get numClasses(): number {
    return this.config.numClasses;
  }

  forward(x: Tensor, time: Tensor, cond?: NetworkCond): Tensor {
    const size = this.config.imageSize;
    this.checkInput(x, time, 4);
    if (x.shape[2] !== size || x.shape[3] !== size) {
      throw new Error(
        `ClassicUNet: built for ${size}x${size} images (Flatten pools ${size / 4} -> 1), ` +
          `got ${x.shape[2]}x${x.shape[3]}`,
      );
    }
    const n = x.shape[0]!;
    const x0 = this.mark('inBlock', this.inBlock.forward(this.formatInput(x))); // (N, D, S, S)
    const d1 = this.mark('down1', this.down1.forward(x0)); // (N, D, S/2, S/2)
    const d2 = this.mark('down2', this.down2.forward(d1)); // (N, 2D, S/4, S/4)
    const flat = this.mark('flatten', avgPool2d(d2, size / 4).gelu()); // (N, 2D, 1, 1)
    let u = this.mark('unflatten', this.unflatten.forward(flat)); // (N, 2D, S/4, S/4)
    const t = time.unsqueeze(1); // (N, 1): the FCBlocks read the scalar as given
    const onehot = this.classFc
      ? this.oneHot(effectiveClasses(cond, { ...this.config, training: this.training, batch: n }), x)
      : null;
    if (onehot) u = u.mul(this.classFc![0].forward(onehot));
    if (this.timeFc) u = u.add(this.timeFc[0].forward(t));
    let u1 = this.mark('up1', this.up1.forward(cat([u, d2], 1))); // (N, D, S/2, S/2)
    if (onehot) u1 = u1.mul(this.classFc![1].forward(onehot));
    if (this.timeFc) u1 = u1.add(this.timeFc[1].forward(t));
    const u2 = this.mark('up2', this.up2.forward(cat([u1, d1], 1))); // (N, D, S, S)
    const out = this.mark('outBlock', this.outBlock.forward(cat([u2, x0], 1))); // (N, D, S, S)
    return this.mark('outConv', this.outConv.forward(out)); // (N, C, S, S)
  }

  /** One-hot rows (N, numClasses); the null class id is the all-zero row, as the project's dropout. */
  private oneHot(ids: Int32Array, like: Tensor): Tensor {
    const k = this.config.numClasses;
    const data = new Float32Array(ids.length * k);
    ids.forEach((c, i) => {
      if (c < k) data[i * k + c] = 1;
    });
    return tensor(data, [ids.length, k], like.device);
  }
}
