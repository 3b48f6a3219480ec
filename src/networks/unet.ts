// The general time- and class-conditioned U-Net (DDPM's architecture, Ho et al. 2020, with the class embedding
// of Dhariwal & Nichol 2021 and the null class of classifier-free guidance, Ho & Salimans 2022), optionally
// conditioned on vectors or sequences too (vector-conditioning.ts). Symbols: x is the noisy image x_t, `time` the
// caller's t (or noise level), classes the label y (numClasses = "no label"), embedding the condition vector c.
import { cat, indices, tensor, tidy, type Rng, type Tensor } from '../engine/index.js';
import { Conv2d, Embedding, GroupNorm, Linear } from '../nn/index.js';
import { AttentionBlock, Downsample, ResBlock, Upsample, groupsFor } from './blocks.js';
import {
  conditionDrops,
  effectiveClasses,
  TimeFeatureMap,
  type NetworkCond,
  type TimeFeatures,
} from './conditioning.js';
import { Network } from './network.js';
import { TextEncoder, type TextEncoderConfig } from './text-encoder.js';
import { VectorCondition, checkEmbeddingConfig, embeddingShapeOf } from './vector-conditioning.js';

/** Everything that defines a U-Net's architecture (JSON-serialisable: checkpoints store it). */
export interface UNetConfig {
  kind: 'unet';
  /** Image channels in and out: 1 (grey) or 3 (RGB). Default 1. */
  imageChannels: number;
  /** Width of the first level. Default 32. */
  baseChannels: number;
  /** Width per resolution level as multiples of baseChannels; level i works at size/2^i. Default [1, 2, 4]. */
  channelMults: number[];
  /** Residual blocks per level on the way down (the way up has one more, for the extra skip). Default 1. */
  blocksPerLevel: number;
  /** Levels (indices into channelMults) with self-attention after each residual block. Default [2] (7x7 on 28x28). */
  attentionLevels: number[];
  /** Attention heads. Default 4. */
  attentionHeads: number;
  /** Time features before the MLP. Default sinusoidal, maxPeriod 10000, timeScale 1000 (t in [0, 1]). */
  timeFeatures: TimeFeatures;
  /** Width of the time/class embedding. Default 4 * baseChannels. */
  embedDim: number;
  /** Real classes (0: unconditional). Id numClasses is the null class. Default 0. */
  numClasses: number;
  /**
   * Probability that an image's condition (its label and its embedding, together) becomes the null one in
   * training mode. Default 0.1.
   */
  labelDropout: number;
  /** Width D of condition vectors (text-style embeddings); absent or 0: none. Default absent. */
  embeddingDim?: number;
  /**
   * Tokens L of a condition sequence (N, L, D), attended to by every attention block (cross-attention); absent or
   * 0: one vector (N, D) per image. Default absent.
   */
  embeddingLength?: number;
  /**
   * A text encoder trained with the U-Net (GLIDE): prompts as token ids (cond.tokens), their features attended to
   * by every attention block and pooled into the time embedding; the empty prompt is the null condition. Absent:
   * the network reads no text. Not combined with embeddingDim.
   */
  text?: TextEncoderConfig;
  /** GroupNorm groups (reduced where a layer has fewer channels). Default 8. */
  groups: number;
}

/** The defaults of every UNetConfig field. */
export function unetConfig(o: Partial<UNetConfig> = {}): UNetConfig {
  const baseChannels = o.baseChannels ?? 32;
  return {
    kind: 'unet',
    imageChannels: 1,
    baseChannels,
    channelMults: [1, 2, 4],
    blocksPerLevel: 1,
    attentionLevels: [2],
    attentionHeads: 4,
    timeFeatures: { kind: 'sinusoidal', maxPeriod: 10000, timeScale: 1000 },
    embedDim: 4 * baseChannels,
    numClasses: 0,
    labelDropout: 0.1,
    groups: 8,
    ...o,
  };
}

/** One step of the decoder or encoder: a residual block, optionally followed by attention. */
interface Stage {
  res: ResBlock;
  attn: AttentionBlock | null;
}

export class UNet extends Network {
  readonly config: UNetConfig;
  readonly timeFeatures: TimeFeatureMap;
  readonly timeMlp: [Linear, Linear];
  readonly classEmbed: Embedding | null;
  /** The null embedding and the projection of condition vectors; null without embeddingDim. */
  readonly vectorCond: VectorCondition | null;
  /** The text encoder, and the projection of its pooled features into the time embedding; null without text. */
  readonly textEncoder: TextEncoder | null;
  readonly textCond: VectorCondition | null;
  /** The empty prompt's ids (the null condition of a text network). */
  readonly #emptyIds: Int32Array | null;
  readonly inConv: Conv2d;
  readonly down: Stage[][];
  readonly downsample: (Downsample | null)[];
  readonly mid: [ResBlock, AttentionBlock, ResBlock];
  readonly up: Stage[][];
  readonly upsample: (Upsample | null)[];
  readonly outNorm: GroupNorm;
  readonly outConv: Conv2d;

  constructor(config: Partial<UNetConfig>, o: { rng: Rng }) {
    super();
    const c = (this.config = unetConfig(config));
    checkEmbeddingConfig(c);
    if (c.text && c.embeddingDim) throw new Error('network: a text encoder and embeddingDim do not combine');
    const { rng } = o;
    const E = c.embedDim;
    const widths = c.channelMults.map((m) => m * c.baseChannels);
    const res = (cin: number, cout: number) => new ResBlock(cin, cout, { embedDim: E, groups: c.groups, rng });
    // A condition sequence is attended to by every attention block (the middle one always has attention).
    const contextDim = c.text ? c.text.width : c.embeddingLength ? c.embeddingDim : undefined;
    const attnOptions = { groups: c.groups, rng, ...(contextDim ? { contextDim } : {}) };
    const attn = (level: number, ch: number) =>
      c.attentionLevels.includes(level) ? new AttentionBlock(ch, c.attentionHeads, attnOptions) : null;

    this.timeFeatures = this.child('timeFeatures', new TimeFeatureMap(c.timeFeatures, c.baseChannels, rng));
    this.timeMlp = [
      this.child('timeMlp.0', new Linear(c.baseChannels, E, { rng })),
      this.child('timeMlp.1', new Linear(E, E, { rng })),
    ];
    this.classEmbed = c.numClasses > 0 ? this.child('classEmbed', new Embedding(c.numClasses + 1, E, { rng })) : null;
    const shape = embeddingShapeOf(c);
    this.vectorCond = shape ? this.child('vectorCond', new VectorCondition(shape, E, rng)) : null;
    this.textEncoder = c.text ? this.child('textEncoder', new TextEncoder(c.text, rng)) : null;
    this.textCond = c.text
      ? this.child(
          'textCond',
          new VectorCondition([c.text.contextLength, c.text.width], E, rng, { nullEmbedding: false }),
        )
      : null;
    this.#emptyIds = this.textEncoder ? this.textEncoder.tokenizer.encode('').ids : null;
    this.inConv = this.child('inConv', new Conv2d(c.imageChannels, c.baseChannels, 3, { rng }));

    // Encoder: remember every stage's output width; the decoder consumes them in reverse as skips.
    const skipWidths = [c.baseChannels];
    let ch = c.baseChannels;
    this.down = [];
    this.downsample = [];
    widths.forEach((w, level) => {
      this.down[level] = Array.from({ length: c.blocksPerLevel }, (_, i) => {
        const stage = { res: res(ch, w), attn: attn(level, w) };
        this.registerStage(`down.${level}.${i}`, stage);
        ch = w;
        skipWidths.push(ch);
        return stage;
      });
      const last = level === widths.length - 1;
      this.downsample[level] = last ? null : this.child(`downsample.${level}`, new Downsample(ch, rng));
      if (!last) skipWidths.push(ch);
    });
    this.mid = [
      this.child('mid.0', res(ch, ch)),
      this.child('mid.attn', new AttentionBlock(ch, c.attentionHeads, attnOptions)),
      this.child('mid.1', res(ch, ch)),
    ];
    // Decoder, from the lowest resolution up; index by level so names match the encoder's.
    this.up = [];
    this.upsample = [];
    for (let level = widths.length - 1; level >= 0; level--) {
      const w = widths[level]!;
      this.up[level] = Array.from({ length: c.blocksPerLevel + 1 }, (_, i) => {
        const stage = { res: res(ch + skipWidths.pop()!, w), attn: attn(level, w) };
        this.registerStage(`up.${level}.${i}`, stage);
        ch = w;
        return stage;
      });
      this.upsample[level] = level === 0 ? null : this.child(`upsample.${level}`, new Upsample(ch, rng));
    }
    this.outNorm = this.child('outNorm', new GroupNorm(groupsFor(c.groups, ch), ch));
    this.outConv = this.child('outConv', new Conv2d(ch, c.imageChannels, 3, { rng }));
  }

  private registerStage(name: string, s: Stage): void {
    this.child(`${name}.res`, s.res);
    if (s.attn) this.child(`${name}.attn`, s.attn);
  }

  get imageChannels(): number {
    return this.config.imageChannels;
  }
  get numClasses(): number {
    return this.config.numClasses;
  }
  override get embeddingShape(): number[] | null {
    return embeddingShapeOf(this.config);
  }
  /** Images must have H and W divisible by this. */
  get sizeFactor(): number {
    return 2 ** (this.config.channelMults.length - 1);
  }

  forward(x: Tensor, time: Tensor, cond?: NetworkCond): Tensor {
    this.checkInput(x, time, this.sizeFactor);
    const n = x.shape[0]!;
    let emb = this.timeMlp[1].forward(this.timeMlp[0].forward(this.timeFeatures.forward(time)).silu()); // (N, E)
    // One dropout draw per row for the whole condition: a dropped row gets the null class and the null embedding.
    const drops =
      this.classEmbed || this.vectorCond || this.textEncoder
        ? conditionDrops(cond, { ...this.config, training: this.training, batch: n })
        : null;
    if (this.classEmbed) {
      const ids = effectiveClasses(cond, { ...this.config, training: this.training, batch: n, drops });
      emb = emb.add(this.classEmbed.forward(indices(ids, x.device)));
    }
    if (!this.vectorCond && cond?.embedding)
      throw new Error('UNet: this network takes no embedding (its config has no embeddingDim)');
    if (!this.textEncoder && cond?.tokens)
      throw new Error('UNet: this network reads no text (its config has no text encoder)');
    const e = this.textEncoder
      ? this.textEncoder.forward(this.effectiveTokens(cond?.tokens, n, drops, x)) // (N, L, W)
      : this.vectorCond?.effective(cond?.embedding, n, drops, x); // (N, D) or (N, L, D)
    if (e) emb = emb.add((this.textCond ?? this.vectorCond)!.project(e));
    const context = e?.rank === 3 ? e : undefined; // a sequence: attended to by the attention blocks
    emb = this.mark('embedding', emb.silu()); // every ResBlock projects SiLU(emb)

    let h = this.mark('inConv', this.inConv.forward(this.formatInput(x))); // (N, base, H, W)
    const skips = [h];
    this.down.forEach((stages, level) => {
      for (const [i, s] of stages.entries()) {
        h = this.mark(`down.${level}.${i}`, this.stage(s, h, emb, context));
        skips.push(h);
      }
      const ds = this.downsample[level];
      if (ds) {
        h = this.mark(`downsample.${level}`, ds.forward(h));
        skips.push(h);
      } // (N, C, H/2, W/2)
    });
    h = this.mid[2].forward(this.mid[1].forward(this.mid[0].forward(h, emb), context), emb);
    h = this.mark('mid', h);
    // The up path releases each input as it is used (a skip and the path's last output are read once; autograd
    // keeps what backward needs), so an evaluation does not hold every level's activations to its end.
    for (let level = this.up.length - 1; level >= 0; level--) {
      for (const [i, s] of this.up[level]!.entries()) {
        const [prev, skip] = [h, skips.pop()!];
        h = this.mark(
          `up.${level}.${i}`,
          tidy(() => this.stage(s, cat([prev, skip], 1), emb, context)),
        ); // concat on C
        prev.dispose();
        skip.dispose();
      }
      const us = this.upsample[level];
      if (us) {
        const prev = h;
        h = this.mark(`upsample.${level}`, us.forward(h)); // (N, C, 2H, 2W)
        prev.dispose();
      }
    }
    return this.mark('outConv', this.outConv.forward(this.outNorm.forwardSilu(h))); // (N, C_img, H, W)
  }

  /** The prompts' ids (N, L): the given ones, the empty prompt's where `drops` marks a row or when none is given. */
  private effectiveTokens(given: Tensor | undefined, n: number, drops: Uint8Array | null, like: Tensor): Tensor {
    const empty = this.#emptyIds!,
      l = empty.length;
    if (given && (given.rank !== 2 || given.shape[0] !== n || given.shape[1] !== l))
      throw new Error(`UNet: tokens must have shape (${n}, ${l}), got [${given.shape.join(', ')}]`);
    if (given && !drops) return given.device === like.device ? given : given.toDevice(like.device);
    const ids = given ? given.toInt32Array() : new Int32Array(n * l);
    for (let i = 0; i < n; i++) if (!given || drops![i]) ids.set(empty, i * l);
    return tensor(ids, [n, l], like.device);
  }

  private stage(s: Stage, h: Tensor, emb: Tensor, context: Tensor | undefined): Tensor {
    const r = s.res.forward(h, emb);
    return s.attn ? s.attn.forward(r, context) : r;
  }
}
