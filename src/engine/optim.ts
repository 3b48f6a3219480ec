// Optimizers over parameter tensors, in TypeScript over in-place tensor ops (same update as torch.optim's
// single-tensor Adam/AdamW), with state as plain tensors so checkpoints can save and restore it exactly.
import { keep } from './scope.js';
import { noGrad } from './runtime.js';
import { zeros } from './ops.js';
import { native } from './addon.js';
import type { Tensor } from './tensor.js';

export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** Moving-average factors for the gradient and its square. Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Added to the denominator. Default 1e-8. */
  eps?: number;
  /** Weight decay. Default 0. */
  weightDecay?: number;
  /** 'decoupled' (AdamW, default: p -= lr*wd*p) or 'l2' (classic Adam: wd*p added to the gradient). */
  weightDecayMode?: 'decoupled' | 'l2';
}

/** What `Adam.stateDict()` returns: step count and the two moment tensors per parameter. */
export interface AdamState {
  step: number;
  m: Tensor[];
  v: Tensor[];
}

/** Zeros shaped and laid out as t (a channels-last weight's moments are channels-last). */
function zerosLayoutOf(t: Tensor): Tensor {
  const z = zeros(t.shape, { dtype: t.dtype, device: t.device });
  if (t.rank !== 4 || !t.isChannelsLast) return z;
  const cl = noGrad(() => z.channelsLast());
  z.dispose();
  return cl;
}

/** Adam / AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019). */
export class Adam {
  readonly options: Required<AdamOptions>;
  step = 0;
  readonly m: Tensor[];
  readonly v: Tensor[];

  constructor(
    readonly params: readonly Tensor[],
    options: AdamOptions = {},
  ) {
    this.options = {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      weightDecayMode: 'decoupled',
      ...options,
    };
    // The moments in each parameter's layout (channels-last weights too), so the update is one flat pass.
    this.m = params.map((p) => keep(zerosLayoutOf(p)));
    this.v = params.map((p) => keep(zerosLayoutOf(p)));
  }

  /** One update with the gradients accumulated by backward(); lr overrides options.lr (for schedules). */
  update(lr = this.options.lr): void {
    const {
      betas: [b1, b2],
      eps,
      weightDecay: wd,
      weightDecayMode,
    } = this.options;
    this.step += 1;
    const bc1 = 1 - b1 ** this.step;
    const bc2 = 1 - b2 ** this.step;
    // One fused pass per parameter in the addon (native/foreach.cc), the formulas of the classes' papers:
    // m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= lr / bc1 * m / (sqrt(v / bc2) + eps).
    native.adamUpdate(
      this.params.map((p) => p.handle),
      this.m.map((t) => t.handle),
      this.v.map((t) => t.handle),
      lr,
      b1,
      b2,
      eps,
      wd,
      weightDecayMode === 'decoupled',
      bc1,
      bc2,
    );
  }

  /** Drops the parameters' gradients (before the next backward). */
  zeroGrad(): void {
    for (const p of this.params) p.clearGrad();
  }

  stateDict(): AdamState {
    return { step: this.step, m: this.m, v: this.v };
  }
  loadStateDict(state: AdamState): void {
    if (state.m.length !== this.params.length) {
      throw new Error(`Adam: state has ${state.m.length} parameters, optimizer has ${this.params.length}`);
    }
    this.step = state.step;
    noGrad(() => {
      state.m.forEach((t, i) => this.m[i]!.copyInPlace(t));
      state.v.forEach((t, i) => this.v[i]!.copyInPlace(t));
    });
  }
  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** AdamW: Adam with decoupled weight decay (default 0.01, as torch.optim.AdamW). */
export function adamW(params: readonly Tensor[], options: Omit<AdamOptions, 'weightDecayMode'> = {}): Adam {
  return new Adam(params, { weightDecay: 0.01, ...options, weightDecayMode: 'decoupled' });
}

/**
 * Scales all gradients so that their joint L2 norm is at most maxNorm (as torch.nn.utils.clip_grad_norm_).
 * Returns the norm before clipping (Infinity/NaN reveal a blown-up step).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  const handles = params.map((p) => p.handle);
  const norm = native.gradNorm(handles);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) native.scaleGrads(handles, scale);
  return norm;
}

/** targets[i] += weight * (ends[i] - targets[i]) for matching lists (a weight average), one addon call. */
export function lerpAllInPlace(targets: readonly Tensor[], ends: readonly Tensor[], weight: number): void {
  native.lerpAll(
    targets.map((t) => t.handle),
    ends.map((t) => t.handle),
    weight,
  );
}
