// Optimizers over parameter tensors, in TypeScript over in-place tensor ops (same update as torch.optim's
// single-tensor Adam/AdamW), with state as plain tensors so checkpoints can save and restore it exactly.
import { tidy, keep } from './scope.js';
import { noGrad } from './runtime.js';
import { zeros } from './ops.js';
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
    this.m = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, device: p.device })));
    this.v = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, device: p.device })));
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
    noGrad(() =>
      tidy(() => {
        this.params.forEach((p, i) => {
          let g = p.grad;
          if (g === null) return;
          if (wd !== 0 && weightDecayMode === 'l2') g = g.add(p.mul(wd));
          if (wd !== 0 && weightDecayMode === 'decoupled') p.mulInPlace(1 - lr * wd);
          const m = this.m[i]!,
            v = this.v[i]!;
          m.mulInPlace(b1).addInPlace(g, 1 - b1);
          v.mulInPlace(b2).addcmulInPlace(g, g, 1 - b2);
          const denom = v
            .sqrt()
            .mul(1 / Math.sqrt(bc2))
            .add(eps);
          p.addcdivInPlace(m, denom, -lr / bc1);
        });
      }),
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
  return noGrad(() =>
    tidy(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      let total = grads[0]!.square().sum();
      for (const g of grads.slice(1)) total = total.add(g.square().sum());
      const norm = Math.sqrt(total.item());
      const scale = maxNorm / (norm + 1e-6);
      if (scale < 1) for (const g of grads) g.mulInPlace(scale);
      return norm;
    }),
  );
}
