// Seeded randomness: every function in difflab that draws noise takes a RandomSource. The generator is
// xoshiro128** (Blackman & Vigna) seeded through a 32-bit mixer, written in TypeScript so that a seed gives the
// same numbers on every device and platform, and its state is four integers (saved in checkpoints).
import { tensor, type CreateOptions } from './ops.js';
import type { Tensor } from './tensor.js';

/** Anything that can draw standard-normal noise of a shape: an Rng, or per-sample streams for a batch. */
export interface RandomSource {
  randn(shape: readonly number[], o?: CreateOptions): Tensor;
}

/**
 * What training draws from: noise tensors and one uniform per batch row (times, label dropout, flips). An Rng
 * draws them in sequence; a PerSampleRng draws row i from sample i's own stream.
 */
export interface BatchRandom extends RandomSource {
  /** n uniforms in [0, 1), one per batch row. */
  uniforms(n: number): Float64Array;
}

/** The whole state of an Rng: its stream key and the four xoshiro words. */
export interface RngState {
  key: number;
  s: [number, number, number, number];
}

// murmur3's 32-bit finaliser: a bijective avalanche mixer.
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const combine = (key: number, x: number) => mix((key ^ mix(x >>> 0)) + 0x9e3779b9);
const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

export class Rng implements BatchRandom {
  #key: number;
  #s: Int32Array;

  /** seed: any integer in [0, 2^53). The same seed gives the same stream. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new Error(`Rng: seed must be a non-negative integer, got ${seed}`);
    this.#key = combine(combine(0x6a09e667, seed % 2 ** 32), Math.floor(seed / 2 ** 32));
    this.#s = new Int32Array(4);
    this.#reseed();
  }

  #reseed(): void {
    let k = this.#key;
    for (let i = 0; i < 4; i++) {
      k = combine(k, i + 1);
      this.#s[i] = k;
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }
  getState(): RngState {
    const s = this.#s;
    return { key: this.#key, s: [s[0]!, s[1]!, s[2]!, s[3]!] };
  }
  setState(state: RngState): void {
    this.#key = state.key >>> 0;
    this.#s.set(state.s.map((v) => v | 0));
  }

  /**
   * An independent generator for sub-stream `i` (say, image i of a batch). It depends only on this generator's
   * seed and i, not on how much has been drawn: image i of seed s gets the same noise whatever the batch.
   */
  stream(i: number): Rng {
    const r = new Rng(0);
    r.#key = combine(this.#key, i + 0x5bd1e995);
    r.#reseed();
    return r;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / 9007199254740992;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** n uniforms in [0, 1). */
  uniforms(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform();
    return out;
  }
  /** n standard normals (Box-Muller, both values of each pair used). */
  normals(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const a = 2 * Math.PI * this.uniform();
      out[i] = r * Math.cos(a);
      if (i + 1 < n) out[i + 1] = r * Math.sin(a);
    }
    return out;
  }
  normal(): number {
    return this.normals(1)[0]!;
  }
  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }

  /** Standard-normal tensor of `shape` (float32 unless o.dtype is float64). */
  randn(shape: readonly number[], o?: CreateOptions): Tensor {
    return fill(this.normals(shape.reduce((a, b) => a * b, 1)), shape, o);
  }
  /** Uniform [0, 1) tensor of `shape`. */
  rand(shape: readonly number[], o?: CreateOptions): Tensor {
    return fill(this.uniforms(shape.reduce((a, b) => a * b, 1)), shape, o);
  }
}

function fill(values: Float64Array, shape: readonly number[], o?: CreateOptions): Tensor {
  const data = o?.dtype === 'float64' ? values : Float32Array.from(values);
  return tensor(data, shape, o?.device);
}

/**
 * Per-sample streams for a batch: row i of every draw comes from its own generator, so sample i is the same
 * whatever the batch size or the other samples.
 */
export class PerSampleRng implements BatchRandom {
  constructor(readonly rows: readonly Rng[]) {}
  /** Rows first..first+count-1 of seed `seed` (row i uses new Rng(seed).stream(i)). */
  static of(seed: number, count: number, first = 0): PerSampleRng {
    return PerSampleRng.from(new Rng(seed), count, first);
  }
  /** Rows first..first+count-1 of a generator's sub-streams (row i uses base.stream(i)). */
  static from(base: Rng, count: number, first = 0): PerSampleRng {
    return new PerSampleRng(Array.from({ length: count }, (_, i) => base.stream(first + i)));
  }
  /** One uniform from each row's stream. */
  uniforms(n: number): Float64Array {
    if (n !== this.rows.length) throw new Error(`PerSampleRng: ${n} uniforms asked of ${this.rows.length} streams`);
    return Float64Array.from(this.rows, (r) => r.uniform());
  }
  randn(shape: readonly number[], o?: CreateOptions): Tensor {
    if (shape[0] !== this.rows.length) {
      throw new Error(`PerSampleRng: batch dim ${shape[0]} does not match ${this.rows.length} streams`);
    }
    const per = shape.slice(1).reduce((a, b) => a * b, 1);
    const all = new Float64Array(per * this.rows.length);
    this.rows.forEach((r, i) => all.set(r.normals(per), i * per));
    return fill(all, shape, o);
  }
}
