// A small transformer text encoder trained jointly with the U-Net, GLIDE's layout (Nichol et al. 2021, Sec. 2.3
// and App. C): token ids (N, L) -> token features (N, L, W) that the U-Net's attention blocks attend to, and the
// final token's feature, projected and added to the time embedding. Pre-norm blocks (LayerNorm, multi-head
// self-attention, LayerNorm, a 4x MLP) over learned token and position embeddings; no causal mask (every token
// sees the whole caption), padding is a learned token like any other.
import { attention, type Rng, type Tensor } from '../engine/index.js';
import { Embedding, LayerNorm, Linear, Module } from '../nn/index.js';
import { Tokenizer } from './tokenizer.js';

/** The text encoder's architecture and its vocabulary (JSON: stored in the model file with the network config). */
export interface TextEncoderConfig {
  /** The words of the tokenizer, ids 3.. (tokenizer.ts); learned from the training captions. */
  vocabulary: string[];
  /** Tokens per prompt, <end> included: longer prompts are cut (with a note). */
  contextLength: number;
  /** Width W of the token features. */
  width: number;
  /** Transformer blocks. */
  layers: number;
  /** Attention heads (divide width). */
  heads: number;
}

/** Checks a text config's numbers (the vocabulary is checked by the Tokenizer it builds). */
export function checkTextConfig(c: TextEncoderConfig): void {
  for (const k of ['contextLength', 'width', 'layers', 'heads'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1)
      throw new Error(`network: text.${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.width % c.heads !== 0) throw new Error(`network: text.width ${c.width} does not split into ${c.heads} heads`);
  if (!Array.isArray(c.vocabulary)) throw new Error('network: text.vocabulary must be a list of words');
}

class TransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(
    readonly width: number,
    readonly heads: number,
    rng: Rng,
  ) {
    super();
    this.norm1 = this.child('norm1', new LayerNorm(width));
    this.qkv = this.child('qkv', new Linear(width, 3 * width, { rng }));
    this.proj = this.child('proj', new Linear(width, width, { rng }));
    this.norm2 = this.child('norm2', new LayerNorm(width));
    this.fc1 = this.child('fc1', new Linear(width, 4 * width, { rng }));
    this.fc2 = this.child('fc2', new Linear(4 * width, width, { rng }));
  }
  /** x (N, L, W) -> (N, L, W). */
  forward(x: Tensor): Tensor {
    const [n, l, w] = x.shape as [number, number, number];
    const d = w / this.heads;
    const qkv = this.qkv
      .forward(this.norm1.forward(x)) // (N, L, 3W)
      .reshape([n, l, 3, this.heads, d])
      .permute([2, 0, 3, 1, 4]); // (3, N, heads, L, d)
    const a = attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2)) // (N, heads, L, d)
      .permute([0, 2, 1, 3])
      .reshape([n, l, w]);
    const h = x.add(this.proj.forward(a));
    return h.add(this.fc2.forward(this.fc1.forward(this.norm2.forward(h)).gelu()));
  }
}

export class TextEncoder extends Module {
  readonly tokenizer: Tokenizer;
  readonly tokenEmbed: Embedding;
  readonly positions: Tensor; // (L, W)
  readonly blocks: TransformerBlock[];
  readonly finalNorm: LayerNorm;

  constructor(
    readonly config: TextEncoderConfig,
    rng: Rng,
  ) {
    super();
    checkTextConfig(config);
    const { width: w, contextLength: l } = config;
    this.tokenizer = new Tokenizer(config.vocabulary, l);
    this.tokenEmbed = this.child('tokenEmbed', new Embedding(this.tokenizer.size, w, { rng }));
    this.positions = this.param('positions', rng.randn([l, w]).mul(0.02));
    this.blocks = Array.from({ length: config.layers }, (_, i) =>
      this.child(`blocks.${i}`, new TransformerBlock(w, config.heads, rng)),
    );
    this.finalNorm = this.child('finalNorm', new LayerNorm(w));
  }

  /** Token ids (N, L) int64 -> token features (N, L, W). */
  forward(tokens: Tensor): Tensor {
    const [n, l] = tokens.shape as [number, number];
    if (tokens.rank !== 2 || l !== this.config.contextLength) {
      throw new Error(
        `TextEncoder: tokens must have shape (N, ${this.config.contextLength}), got [${tokens.shape.join(', ')}]`,
      );
    }
    let h = this.tokenEmbed
      .forward(tokens.reshape([n * l]))
      .reshape([n, l, this.config.width])
      .add(this.positions.unsqueeze(0)); // (N, L, W)
    for (const b of this.blocks) h = b.forward(h);
    return this.finalNorm.forward(h);
  }
}
