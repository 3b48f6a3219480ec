// Condition vectors ("text-style" embeddings, e.g. CLIP or T5 outputs computed elsewhere) into a U-Net. One vector
// per image, e in R^D, or a sequence of L tokens, e in R^(L x D). The vector (for a sequence: the mean of its tokens,
// Imagen's pooled embedding, Saharia et al. 2022) goes through a learned projection, an MLP like the time MLP, and
// is added to the time embedding; a sequence is also attended to by every attention block (cross-attention,
// Rombach et al. 2022; blocks.ts). A learned null embedding stands for "no condition": classifier-free guidance
// (Ho & Salimans 2022) contrasts it with the real vectors, and condition dropout in training teaches it.
import { tensor, type Rng, type Tensor } from '../engine/index.js';
import { Linear, Module } from '../nn/index.js';

/** The embedding fields of a network config (U-Nets; other networks take no vectors). */
export interface EmbeddingConfig {
  kind: string;
  /** Width D of the condition vectors; absent or 0: the network takes none. */
  embeddingDim?: number;
  /** Tokens L per image: absent or 0 for one vector [D], L >= 1 for a sequence [L, D]. */
  embeddingLength?: number;
}

/** Shape of one image's condition under a network config: [D], or [L, D] for a sequence; null: it takes none. */
export function embeddingShapeOf(c: EmbeddingConfig): number[] | null {
  if (c.kind !== 'unet' || !c.embeddingDim) return null;
  return c.embeddingLength ? [c.embeddingLength, c.embeddingDim] : [c.embeddingDim];
}

/** The null embedding and the projection of condition vectors into the time embedding's space. */
export class VectorCondition extends Module {
  /** (D) or (L, D): the learned "no condition" input; null where the null condition is an input (the empty prompt). */
  readonly nullEmbedding: Tensor | null;
  readonly mlp: [Linear, Linear];

  /** shape: [D] or [L, D] of one image's condition; embedDim: width E of the time embedding it is added to. */
  constructor(
    readonly shape: readonly number[],
    embedDim: number,
    rng: Rng,
    o: { nullEmbedding?: boolean } = {},
  ) {
    super();
    const d = shape.at(-1)!;
    // A random direction of norm about 1: distinct from every real vector at the start, learned from dropped rows.
    this.nullEmbedding =
      o.nullEmbedding === false ? null : this.param('nullEmbedding', rng.randn([...shape]).mul(1 / Math.sqrt(d)));
    this.mlp = [
      this.child('mlp.0', new Linear(d, embedDim, { rng })),
      this.child('mlp.1', new Linear(embedDim, embedDim, { rng })),
    ];
  }

  /**
   * The condition of each image in this call, (N, ...shape): the given rows, the null embedding where `drops`
   * marks a row (condition dropout) or for every row when none is given.
   */
  effective(given: Tensor | undefined, batch: number, drops: Uint8Array | null, like: Tensor): Tensor {
    if (!this.nullEmbedding) throw new Error('VectorCondition: built without a null embedding');
    const nul = this.nullEmbedding.unsqueeze(0); // (1, ...shape)
    if (given === undefined) return nul.expand([batch, ...this.shape]);
    if (
      given.rank !== this.shape.length + 1 ||
      given.shape[0] !== batch ||
      this.shape.some((s, i) => given.shape[i + 1] !== s)
    ) {
      throw new Error(
        `network: embedding must have shape (${batch}, ${this.shape.join(', ')}), got [${given.shape.join(', ')}]`,
      );
    }
    const e = (given.device === like.device ? given : given.toDevice(like.device)).to('float32');
    if (!drops) return e;
    const m = tensor(Float32Array.from(drops), [batch, ...this.shape.map(() => 1)], like.device); // 1 = dropped
    return e.mul(m.neg().add(1)).add(nul.mul(m));
  }

  /** (N, D) or (N, L, D) -> (N, E): the projection added to the time embedding (a sequence by its token mean). */
  project(e: Tensor): Tensor {
    const pooled = e.rank === 3 ? e.mean(1) : e; // (N, D)
    return this.mlp[1].forward(this.mlp[0].forward(pooled).silu());
  }
}

/** Checks embeddingDim and embeddingLength of a config (non-negative integers; a length needs a width). */
export function checkEmbeddingConfig(c: EmbeddingConfig): void {
  const { embeddingDim: d = 0, embeddingLength: l = 0 } = c;
  if (!Number.isInteger(d) || d < 0) throw new Error(`network: embeddingDim must be a non-negative integer, got ${d}`);
  if (!Number.isInteger(l) || l < 0)
    throw new Error(`network: embeddingLength must be a non-negative integer, got ${l}`);
  if (l > 0 && d === 0) throw new Error(`network: embeddingLength ${l} needs an embeddingDim`);
}
