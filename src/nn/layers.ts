// The basic layers, initialised as torch.nn does (uniform +-1/sqrt(fan_in), i.e. kaiming_uniform with a=sqrt(5)).
import {
  tidy,
  conv2d,
  convTranspose2d,
  embedding,
  groupNorm,
  layerNorm,
  linear,
  ones,
  zeros,
  type Rng,
  type Tensor,
} from '../engine/index.js';
import { Module } from './module.js';

/** Uniform(-bound, bound) of `shape` drawn from rng. */
function uniform(rng: Rng, shape: number[], bound: number): Tensor {
  return tidy(() =>
    rng
      .rand(shape)
      .mul(2 * bound)
      .sub(bound),
  ); // no temporaries left outside a scope
}

export interface LinearOptions {
  /** Draws the initial weights. */ rng: Rng;
  /** Learn an additive bias. Default true. */ bias?: boolean;
}
export class Linear extends Module {
  readonly weight: Tensor; // (out, in)
  readonly bias: Tensor | null; // (out)
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    o: LinearOptions,
  ) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.param('weight', uniform(o.rng, [outFeatures, inFeatures], bound));
    this.bias = o.bias === false ? null : this.param('bias', uniform(o.rng, [outFeatures], bound));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export interface Conv2dLayerOptions {
  /** Draws the initial weights. */ rng: Rng;
  /** Default 1. */ stride?: number;
  /** Default (kernel-1)/2 for odd kernels with stride 1 ("same"), else 0. */ padding?: number;
  /** Learn an additive bias. Default true. */ bias?: boolean;
}
export class Conv2d extends Module {
  readonly weight: Tensor; // (out, in, k, k)
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    o: Conv2dLayerOptions,
  ) {
    super();
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? (this.stride === 1 && kernel % 2 === 1 ? (kernel - 1) / 2 : 0);
    const bound = 1 / Math.sqrt(inChannels * kernel * kernel);
    this.weight = this.param('weight', uniform(o.rng, [outChannels, inChannels, kernel, kernel], bound));
    this.bias = o.bias === false ? null : this.param('bias', uniform(o.rng, [outChannels], bound));
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}

export interface ConvTranspose2dLayerOptions extends Conv2dLayerOptions {
  /** Default 0. */ outputPadding?: number;
}
export class ConvTranspose2d extends Module {
  readonly weight: Tensor; // (in, out, k, k)
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    o: ConvTranspose2dLayerOptions,
  ) {
    super();
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.outputPadding = o.outputPadding ?? 0;
    const bound = 1 / Math.sqrt(outChannels * kernel * kernel); // torch's fan_in for (in, out, k, k) weights
    this.weight = this.param('weight', uniform(o.rng, [inChannels, outChannels, kernel, kernel], bound));
    this.bias = o.bias === false ? null : this.param('bias', uniform(o.rng, [outChannels], bound));
  }
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
    });
  }
}

export class GroupNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly groups: number,
    readonly channels: number,
    readonly eps = 1e-5,
  ) {
    super();
    if (channels % groups !== 0) throw new Error(`GroupNorm: ${channels} channels do not split into ${groups} groups`);
    this.weight = this.param('weight', ones([channels]));
    this.bias = this.param('bias', zeros([channels]));
  }
  forward(x: Tensor): Tensor {
    return groupNorm(x, this.groups, this.weight, this.bias, { eps: this.eps });
  }
  /** silu(forward(x)) in one pass over the activations (the U-Nets' norm-act pair). */
  forwardSilu(x: Tensor): Tensor {
    return groupNorm(x, this.groups, this.weight, this.bias, { eps: this.eps, activation: 'silu' });
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly features: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.param('weight', ones([features]));
    this.bias = this.param('bias', zeros([features]));
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, [this.features], this.weight, this.bias, this.eps);
  }
}

export class Embedding extends Module {
  readonly weight: Tensor; // (count, dim)
  constructor(
    readonly count: number,
    readonly dim: number,
    o: { rng: Rng },
  ) {
    super();
    this.weight = this.param('weight', o.rng.randn([count, dim]));
  }
  /** ids: int64 (N) -> (N, dim) */
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}
