// What every difflab network shares: the (x, time, cond) -> tensor contract, memory-format conversion, and
// named checkpoints in forward() that `summary` reads to print per-block shapes.
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import { Module } from '../nn/index.js';
import type { NetworkCond } from './conditioning.js';

/**
 * Memory layout of activations and conv weights. 'channels-last' (NHWC) lets oneDNN pick its fast convolution
 * kernels on CPU; the logical shapes stay (N, C, H, W) either way.
 */
export type MemoryFormat = 'contiguous' | 'channels-last';

/** Called by forward() with each block's output while `summary` traces a network. */
export type BlockTracer = (name: string, output: Tensor) => void;

export abstract class Network extends Module {
  #tracer: BlockTracer | null = null;
  #memoryFormat: MemoryFormat = 'contiguous';

  /** Image channels in and out (1 or 3). */
  abstract readonly imageChannels: number;
  /** Number of real classes (0: unconditional); id numClasses is the null class. */
  abstract readonly numClasses: number;

  /** Shape of one image's condition vector: [D], or [L, D] for a sequence; null: the network takes none. */
  get embeddingShape(): number[] | null {
    return null;
  }

  /** x (N, C, H, W), time (N) -> (N, C, H, W). */
  abstract forward(x: Tensor, time: Tensor, cond?: NetworkCond): Tensor;

  get memoryFormat(): MemoryFormat {
    return this.#memoryFormat;
  }

  /** Converts the 4-D weights in place (parameter identity, and so optimizers, are kept) and future inputs. */
  setMemoryFormat(format: MemoryFormat): this {
    this.#memoryFormat = format;
    noGrad(() =>
      tidy(() => {
        for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
          if (t.rank === 4) t.setData(format === 'channels-last' ? t.channelsLast() : t.contiguous());
        }
      }),
    );
    return this;
  }

  /** The input in this network's memory format. */
  protected formatInput(x: Tensor): Tensor {
    return this.#memoryFormat === 'channels-last' ? x.channelsLast() : x;
  }

  /** Marks a block output for `summary`; returns x unchanged. */
  protected mark(name: string, x: Tensor): Tensor {
    this.#tracer?.(name, x);
    return x;
  }

  /** Runs fn with a tracer receiving every marked block output. */
  traced<T>(tracer: BlockTracer, fn: () => T): T {
    this.#tracer = tracer;
    try {
      return fn();
    } finally {
      this.#tracer = null;
    }
  }

  /** Checks the input against the network's image channels and downsampling factor. */
  protected checkInput(x: Tensor, time: Tensor, factor: number): void {
    const [n, c, h, w] = x.shape;
    if (x.rank !== 4 || c !== this.imageChannels) {
      throw new Error(
        `${this.constructor.name}: expected x of shape (N, ${this.imageChannels}, H, W), ` +
          `got [${x.shape.join(', ')}]`,
      );
    }
    if (h! % factor !== 0 || w! % factor !== 0) {
      throw new Error(
        `${this.constructor.name}: image size ${h}x${w} is not divisible by the downsampling factor ${factor}`,
      );
    }
    if (time.rank !== 1 || time.shape[0] !== n) {
      throw new Error(`${this.constructor.name}: time must have shape (${n}), got [${time.shape.join(', ')}]`);
    }
  }
}
