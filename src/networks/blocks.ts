// The U-Net's building blocks (DDPM, Ho et al. 2020, appendix B; Nichol & Dhariwal 2021): residual blocks with
// GroupNorm + SiLU and the conditioning embedding added between the two convolutions, self-attention over
// pixels (optionally followed by cross-attention to a condition sequence, Rombach et al. 2022), and the
// resolution changes.
import { attention, interpolate, tidy, type Rng, type Tensor } from '../engine/index.js';
import { Conv2d, GroupNorm, Linear, Module } from '../nn/index.js';

export interface ResBlockOptions {
  /** Width of the conditioning embedding (time MLP output, plus class embedding). */
  embedDim: number;
  /** GroupNorm groups (must divide both channel counts). */
  groups: number;
  rng: Rng;
}

/** x + f(x, emb): norm-act-conv, add the projected embedding per channel, norm-act-conv. */
export class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly embed: Linear;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  /** 1x1 convolution matching channels on the skip path, when they change. */
  readonly skip: Conv2d | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    o: ResBlockOptions,
  ) {
    super();
    const { rng } = o;
    this.norm1 = this.child('norm1', new GroupNorm(groupsFor(o.groups, inChannels), inChannels));
    this.conv1 = this.child('conv1', new Conv2d(inChannels, outChannels, 3, { rng }));
    this.embed = this.child('embed', new Linear(o.embedDim, outChannels, { rng }));
    this.norm2 = this.child('norm2', new GroupNorm(groupsFor(o.groups, outChannels), outChannels));
    this.conv2 = this.child('conv2', new Conv2d(outChannels, outChannels, 3, { rng }));
    this.skip = inChannels === outChannels ? null : this.child('skip', new Conv2d(inChannels, outChannels, 1, { rng }));
  }

  /**
   * x (N, Cin, H, W), emb (N, E) already through SiLU -> (N, Cout, H, W). Its own scope releases the four
   * intermediates as the block ends (autograd keeps what backward needs), so a large batch holds one block's
   * activations at a time, not the whole network's: at bench:sample's batch of 250 that was 3.2 GB against 1.4 GB,
   * and a heap that grew and faulted in new pages every batch.
   */
  forward(x: Tensor, emb: Tensor): Tensor {
    return tidy(() => {
      let h = this.conv1.forward(this.norm1.forwardSilu(x)); // (N, Cout, H, W)
      h = h.add(this.embed.forward(emb).unsqueeze(-1).unsqueeze(-1)); // + (N, Cout, 1, 1)
      h = this.conv2.forward(this.norm2.forwardSilu(h));
      return (this.skip ? this.skip.forward(x) : x).add(h);
    });
  }
}

/**
 * Multi-head self-attention over the H*W positions, with a residual connection; with `contextDim`, followed by
 * cross-attention to a condition sequence of that width.
 */
export class AttentionBlock extends Module {
  readonly norm: GroupNorm;
  readonly qkv: Conv2d;
  readonly proj: Conv2d;
  readonly cross: CrossAttention | null;

  constructor(
    readonly channels: number,
    readonly heads: number,
    o: { groups: number; rng: Rng; contextDim?: number },
  ) {
    super();
    if (channels % heads !== 0)
      throw new Error(`AttentionBlock: ${channels} channels do not split into ${heads} heads`);
    this.norm = this.child('norm', new GroupNorm(groupsFor(o.groups, channels), channels));
    this.qkv = this.child('qkv', new Conv2d(channels, 3 * channels, 1, { rng: o.rng }));
    this.proj = this.child('proj', new Conv2d(channels, channels, 1, { rng: o.rng }));
    this.cross = o.contextDim ? this.child('cross', new CrossAttention(channels, heads, o.contextDim, o)) : null;
  }

  /** x (N, C, H, W), context (N, L, D) when the block has cross-attention -> (N, C, H, W). */
  forward(x: Tensor, context?: Tensor): Tensor {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const d = c / this.heads;
    const qkv = this.qkv
      .forward(this.norm.forward(x)) // (N, 3C, H, W)
      .reshape([n, 3, this.heads, d, h * w])
      .permute([1, 0, 2, 4, 3]); // (3, N, heads, HW, d)
    const out = attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2)) // (N, heads, HW, d)
      .permute([0, 1, 3, 2])
      .reshape([n, c, h, w]);
    const h2 = x.add(this.proj.forward(out));
    if (!this.cross) return h2;
    if (!context)
      throw new Error('AttentionBlock: this block attends to a condition sequence; pass the context (N, L, D)');
    return this.cross.forward(h2, context);
  }
}

/** Multi-head attention from the pixels (queries) to the tokens of a condition sequence (keys, values), residual. */
export class CrossAttention extends Module {
  readonly norm: GroupNorm;
  readonly q: Conv2d;
  readonly kv: Linear;
  readonly proj: Conv2d;

  constructor(
    readonly channels: number,
    readonly heads: number,
    contextDim: number,
    o: { groups: number; rng: Rng },
  ) {
    super();
    this.norm = this.child('norm', new GroupNorm(groupsFor(o.groups, channels), channels));
    this.q = this.child('q', new Conv2d(channels, channels, 1, { rng: o.rng }));
    this.kv = this.child('kv', new Linear(contextDim, 2 * channels, { rng: o.rng }));
    this.proj = this.child('proj', new Conv2d(channels, channels, 1, { rng: o.rng }));
  }

  /** x (N, C, H, W), context (N, L, D) -> (N, C, H, W). */
  forward(x: Tensor, context: Tensor): Tensor {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const d = c / this.heads,
      l = context.shape[1]!;
    const q = this.q
      .forward(this.norm.forward(x))
      .reshape([n, this.heads, d, h * w])
      .permute([0, 1, 3, 2]); // (N, heads, HW, d)
    const kv = this.kv.forward(context).reshape([n, l, 2, this.heads, d]).permute([2, 0, 3, 1, 4]); // (2, N, heads, L, d)
    const out = attention(q, kv.select(0, 0), kv.select(0, 1)) // (N, heads, HW, d)
      .permute([0, 1, 3, 2])
      .reshape([n, c, h, w]);
    return x.add(this.proj.forward(out));
  }
}

/** Halves H and W with a stride-2 3x3 convolution. */
export class Downsample extends Module {
  readonly conv: Conv2d;
  constructor(channels: number, rng: Rng) {
    super();
    this.conv = this.child('conv', new Conv2d(channels, channels, 3, { rng, stride: 2, padding: 1 }));
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  } // (N, C, H/2, W/2)
}

/** Doubles H and W: nearest-neighbour upsampling then a 3x3 convolution (no checkerboard artefacts). */
export class Upsample extends Module {
  readonly conv: Conv2d;
  constructor(channels: number, rng: Rng) {
    super();
    this.conv = this.child('conv', new Conv2d(channels, channels, 3, { rng }));
  }
  forward(x: Tensor): Tensor {
    const [, , h, w] = x.shape as [number, number, number, number];
    return this.conv.forward(interpolate(x, [2 * h, 2 * w])); // (N, C, 2H, 2W)
  }
}

/** The requested group count, or the largest divisor of channels below it (narrow layers of small presets). */
export function groupsFor(groups: number, channels: number): number {
  let g = Math.min(groups, channels);
  while (channels % g !== 0) g -= 1;
  return g;
}
