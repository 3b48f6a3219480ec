// Module: a network part with named parameters, buffers and sub-modules, in the spirit of torch.nn.Module.
// Names are registered explicitly (no reflection), so a state dict's keys are stable: "down.0.conv.weight".
import { keep, noGrad, tidy, type Tensor, type DType } from '../engine/index.js';

export abstract class Module {
  #params = new Map<string, Tensor>();
  #buffers = new Map<string, Tensor>();
  #children = new Map<string, Module>();
  training = true;

  /** Registers a trainable tensor (kept out of tidy scopes, marked requiresGrad). */
  protected param(name: string, t: Tensor): Tensor {
    keep(t).setRequiresGrad(true);
    this.#params.set(name, t);
    return t;
  }
  /** Registers a non-trainable tensor saved in the state dict. */
  protected buffer(name: string, t: Tensor): Tensor {
    this.#buffers.set(name, keep(t));
    return t;
  }
  protected child<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }
  /** Registers a list of sub-modules as name.0, name.1, ... */
  protected children<M extends Module>(name: string, ms: M[]): M[] {
    ms.forEach((m, i) => this.#children.set(`${name}.${i}`, m));
    return ms;
  }

  /** [name, tensor] for every parameter, depth first, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#params].map(([n, t]) => [prefix + n, t]);
    for (const [n, m] of this.#children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#buffers].map(([n, t]) => [prefix + n, t]);
    for (const [n, m] of this.#children) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  /** Total number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  /** Parameters and buffers by name (the tensors themselves, not copies). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }
  /** Copies values in by name; every name must be present with the same shape. */
  loadStateDict(state: Record<string, Tensor>): void {
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in state));
    const extra = Object.keys(state).filter((k) => !(k in own));
    if (missing.length || extra.length) {
      throw new Error(
        `loadStateDict: missing [${missing.slice(0, 5).join(', ')}] unexpected [${extra.slice(0, 5).join(', ')}]`,
      );
    }
    noGrad(() => {
      for (const [k, t] of Object.entries(own)) {
        const src = state[k]!;
        if (src.shape.join() !== t.shape.join()) {
          throw new Error(`loadStateDict: ${k} has shape [${src.shape}] but the module expects [${t.shape}]`);
        }
        t.copyInPlace(src.dtype === t.dtype ? src : src.to(t.dtype));
      }
    });
  }

  /** Training mode (dropout-like behaviour of sub-classes, label dropout) on or off, recursively. */
  train(on = true): this {
    this.training = on;
    for (const m of this.#children.values()) m.train(on);
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Converts every parameter and buffer in place to dtype (float64 for gradient checks). */
  toDtype(dtype: DType): this {
    noGrad(() =>
      tidy(() => {
        for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.setData(t.to(dtype));
      }),
    );
    return this;
  }

  /** Releases every parameter and buffer. */
  dispose(): void {
    for (const t of [...this.#params.values(), ...this.#buffers.values()]) t.dispose();
    for (const m of this.#children.values()) m.dispose();
  }
}
