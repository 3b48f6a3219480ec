// The typed face of a libtorch tensor. Methods return new tensors (tracked by the innermost `tidy` scope);
// the few in-place methods end in `InPlace` and return `this`.
import { native, type Handle } from './addon.js';
import { track } from './scope.js';

/** Element types. 'bfloat16' (8-bit mantissa, float32's range) is what mixed precision computes in. */
export type DType = 'float32' | 'float64' | 'bfloat16' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';
/** 'cpu', or 'cuda' / 'cuda:N' when the linked libtorch was built with CUDA. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
export type Scalar = Tensor | number;
/** A dimension list; negative dims count from the end. Omitted: all dims. */
export type Dims = number | readonly number[];

let live = 0;
/**
 * Tensors made and not yet disposed. A tensor the garbage collector frees without `dispose()` still counts:
 * what a leak test wants to see (tidy/dispose release memory deterministically; GC may never run).
 */
export function liveTensorCount(): number {
  return live;
}

const h = (o: Scalar): Handle | number => (typeof o === 'number' ? o : o.handle);
const dimList = (d: Dims | undefined): number[] | null =>
  d === undefined ? null : typeof d === 'number' ? [d] : [...d];

export class Tensor {
  #shape: readonly number[] | undefined;
  #released = false;

  /** Wraps an addon handle. Library users make tensors with the functions in ops.ts. */
  constructor(readonly handle: Handle) {
    live++;
    track(this);
  }

  // ----- facts ---------------------------------------------------------------------------------------
  get shape(): readonly number[] {
    return (this.#shape ??= Object.freeze(native.shape(this.handle)));
  }
  get rank(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return native.dtype(this.handle) as DType;
  }
  get device(): Device {
    return native.device(this.handle) as Device;
  }
  get isDisposed(): boolean {
    return this.#released;
  }
  /** Releases the libtorch memory now (views and autograd graphs keep what they still need). */
  dispose(): void {
    if (this.#released) return;
    this.#released = true;
    live--;
    native.dispose(this.handle);
  }

  // ----- data out ------------------------------------------------------------------------------------
  /** A copy of the data in row-major order, as float32. */
  toFloat32Array(): Float32Array {
    return this.#readAs('float32') as Float32Array;
  }
  /** A copy of the data in row-major order, as float64. */
  toFloat64Array(): Float64Array {
    return this.#readAs('float64') as Float64Array;
  }
  /** A copy of integer data (int64/int32/bool) as Int32Array. */
  toInt32Array(): Int32Array {
    return this.#readAs('int32') as Int32Array;
  }
  /** The data as a typed array of dtype; a converted copy is released at once (never left to the GC). */
  #readAs(dtype: DType): ArrayLike<number> {
    if (this.dtype === dtype) return native.toArray(this.handle);
    const converted = native.to(this.handle, dtype);
    try {
      return native.toArray(converted);
    } finally {
      native.dispose(converted);
    }
  }
  /** The raw element bytes (little-endian, row-major): safetensors data of any dtype. */
  toBytes(): Uint8Array {
    return native.toBytes(this.handle);
  }
  /** The value of a one-element tensor. */
  item(): number {
    return native.item(this.handle);
  }

  // ----- conversion ----------------------------------------------------------------------------------
  to(dtype: DType): Tensor {
    return new Tensor(native.to(this.handle, dtype));
  }
  /** dtype and memory layout changed in one copy (none when both already match). */
  convert(dtype: DType, layout: 'contiguous' | 'channels-last'): Tensor {
    return new Tensor(native.convert(this.handle, dtype, layout === 'channels-last' ? 'channels_last' : 'contiguous'));
  }
  toDevice(device: Device): Tensor {
    return new Tensor(native.toDevice(this.handle, device));
  }
  clone(): Tensor {
    return new Tensor(native.clone(this.handle));
  }
  /** The same data, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(native.detach(this.handle));
  }
  contiguous(): Tensor {
    return new Tensor(native.contiguous(this.handle, 'contiguous'));
  }
  /** NHWC memory layout (same logical shape): oneDNN convolutions are much faster with it on CPU. */
  channelsLast(): Tensor {
    return new Tensor(native.contiguous(this.handle, 'channels_last'));
  }
  get isChannelsLast(): boolean {
    return native.isChannelsLast(this.handle);
  }

  // ----- shape ---------------------------------------------------------------------------------------
  /** New shape with the same number of elements; one entry may be -1. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(native.reshape(this.handle, [...shape]));
  }
  /** Flattens dims from `start` on into one. */
  flatten(start = 0): Tensor {
    return this.reshape([...this.shape.slice(0, start), -1]);
  }
  permute(dims: readonly number[]): Tensor {
    return new Tensor(native.permute(this.handle, [...dims]));
  }
  transpose(a: number, b: number): Tensor {
    return new Tensor(native.transpose(this.handle, a, b));
  }
  /** Broadcasts size-1 dims to `shape` (-1 keeps a dim) without copying. */
  expand(shape: readonly number[]): Tensor {
    return new Tensor(native.expand(this.handle, [...shape]));
  }
  repeat(reps: readonly number[]): Tensor {
    return new Tensor(native.repeat(this.handle, [...reps]));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.unsqueeze(this.handle, dim));
  }
  squeeze(dim: number): Tensor {
    return new Tensor(native.squeeze(this.handle, dim));
  }
  /** Elements start..end-1 along dim (a view); end defaults to the dim's size, negatives count from the end. */
  slice(dim: number, start: number, end?: number): Tensor {
    const n = this.shape[dim < 0 ? dim + this.rank : dim]!;
    const s = start < 0 ? start + n : start;
    const e = end === undefined ? n : end < 0 ? end + n : end;
    return new Tensor(native.narrow(this.handle, dim, s, Math.max(0, e - s)));
  }
  /** Index `index` along `dim`, removing that dim. */
  select(dim: number, index: number): Tensor {
    return new Tensor(native.select(this.handle, dim, index));
  }
  /** Rows `indices` along `dim` (a copy). */
  indexSelect(dim: number, indices: Tensor): Tensor {
    return new Tensor(native.indexSelect(this.handle, dim, indices.handle));
  }
  flip(dims: Dims): Tensor {
    return new Tensor(native.flip(this.handle, dimList(dims)!));
  }
  /** Rotates by k quarter turns in the plane of `dims` (default: the last two). */
  rot90(k: number, dims: readonly [number, number] = [-2, -1]): Tensor {
    return new Tensor(native.rot90(this.handle, k, [...dims]));
  }
  roll(shifts: readonly number[], dims: readonly number[]): Tensor {
    return new Tensor(native.roll(this.handle, [...shifts], [...dims]));
  }

  // ----- elementwise (broadcasting; numbers keep this tensor's dtype) -------------------------------
  add(o: Scalar): Tensor {
    return new Tensor(native.add(this.handle, h(o)));
  }
  sub(o: Scalar): Tensor {
    return new Tensor(native.sub(this.handle, h(o)));
  }
  mul(o: Scalar): Tensor {
    return new Tensor(native.mul(this.handle, h(o)));
  }
  div(o: Scalar): Tensor {
    return new Tensor(native.div(this.handle, h(o)));
  }
  pow(o: Scalar): Tensor {
    return new Tensor(native.pow(this.handle, h(o)));
  }
  maximum(o: Scalar): Tensor {
    return new Tensor(native.maximum(this.handle, h(o)));
  }
  minimum(o: Scalar): Tensor {
    return new Tensor(native.minimum(this.handle, h(o)));
  }
  /** 1 where this > o, else 0, in this tensor's dtype. */
  gt(o: Scalar): Tensor {
    return new Tensor(native.gt(this.handle, h(o)));
  }
  lt(o: Scalar): Tensor {
    return new Tensor(native.lt(this.handle, h(o)));
  }
  eq(o: Scalar): Tensor {
    return new Tensor(native.eq(this.handle, h(o)));
  }
  neg(): Tensor {
    return new Tensor(native.neg(this.handle));
  }
  exp(): Tensor {
    return new Tensor(native.exp(this.handle));
  }
  log(): Tensor {
    return new Tensor(native.log(this.handle));
  }
  sqrt(): Tensor {
    return new Tensor(native.sqrt(this.handle));
  }
  rsqrt(): Tensor {
    return new Tensor(native.rsqrt(this.handle));
  }
  abs(): Tensor {
    return new Tensor(native.abs(this.handle));
  }
  sin(): Tensor {
    return new Tensor(native.sin(this.handle));
  }
  cos(): Tensor {
    return new Tensor(native.cos(this.handle));
  }
  tanh(): Tensor {
    return new Tensor(native.tanh(this.handle));
  }
  sigmoid(): Tensor {
    return new Tensor(native.sigmoid(this.handle));
  }
  silu(): Tensor {
    return new Tensor(native.silu(this.handle));
  }
  gelu(): Tensor {
    return new Tensor(native.gelu(this.handle));
  }
  relu(): Tensor {
    return new Tensor(native.relu(this.handle));
  }
  square(): Tensor {
    return new Tensor(native.square(this.handle));
  }
  sign(): Tensor {
    return new Tensor(native.sign(this.handle));
  }
  floor(): Tensor {
    return new Tensor(native.floor(this.handle));
  }
  round(): Tensor {
    return new Tensor(native.round(this.handle));
  }
  reciprocal(): Tensor {
    return new Tensor(native.reciprocal(this.handle));
  }
  /** 1 where finite, 0 at NaN/Inf. */
  isFinite(): Tensor {
    return new Tensor(native.isfinite(this.handle));
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return new Tensor(native.clamp(this.handle, min, max));
  }

  // ----- reductions ----------------------------------------------------------------------------------
  sum(dims?: Dims, keepDim = false): Tensor {
    return new Tensor(native.sum(this.handle, dimList(dims), keepDim));
  }
  mean(dims?: Dims, keepDim = false): Tensor {
    return new Tensor(native.mean(this.handle, dimList(dims), keepDim));
  }
  max(dims?: Dims, keepDim = false): Tensor {
    return new Tensor(native.amax(this.handle, dimList(dims), keepDim));
  }
  min(dims?: Dims, keepDim = false): Tensor {
    return new Tensor(native.amin(this.handle, dimList(dims), keepDim));
  }
  /** Unbiased variance (divides by n-1). */
  variance(dims?: Dims, keepDim = false): Tensor {
    return new Tensor(native.varUnbiased(this.handle, dimList(dims), keepDim));
  }
  argmax(dim: number, keepDim = false): Tensor {
    return new Tensor(native.argmax(this.handle, dim, keepDim));
  }
  /** The k largest (or smallest) values along dim, and their indices. */
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
    const [v, i] = native.topk(this.handle, k, dim, largest);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  matmul(o: Tensor): Tensor {
    return new Tensor(native.matmul(this.handle, o.handle));
  }

  // ----- in place (optimizers, EMA, buffers; run under noGrad for parameters) -----------------------
  /** this += alpha * o */
  addInPlace(o: Scalar, alpha = 1): this {
    native.addInPlace(this.handle, h(o), alpha);
    return this;
  }
  mulInPlace(o: Scalar): this {
    native.mulInPlace(this.handle, h(o));
    return this;
  }
  copyInPlace(src: Tensor): this {
    native.copyInPlace(this.handle, src.handle);
    return this;
  }
  zeroInPlace(): this {
    native.zeroInPlace(this.handle);
    return this;
  }
  /** this += value * a * b */
  addcmulInPlace(a: Tensor, b: Tensor, value = 1): this {
    native.addcmulInPlace(this.handle, a.handle, b.handle, value);
    return this;
  }
  /** this += value * a / b */
  addcdivInPlace(a: Tensor, b: Tensor, value = 1): this {
    native.addcdivInPlace(this.handle, a.handle, b.handle, value);
    return this;
  }
  /** this += weight * (end - this) */
  lerpInPlace(end: Tensor, weight: number): this {
    native.lerpInPlace(this.handle, end.handle, weight);
    return this;
  }

  /** Replaces this tensor's data by src's (dtype and device may change) keeping its identity: Module.toDtype. */
  setData(src: Tensor): this {
    native.setData(this.handle, src.handle);
    this.#shape = undefined;
    return this;
  }

  // ----- autograd ------------------------------------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  /** Marks a leaf tensor as a variable whose gradient backward() accumulates. */
  setRequiresGrad(on = true): this {
    native.setRequiresGrad(this.handle, on);
    return this;
  }
  /** Back-propagates from this (a scalar unless `grad` is given), accumulating into leaves' `grad`. */
  backward(grad?: Tensor): void {
    native.backward(this.handle, grad ? grad.handle : null);
  }
  /** The accumulated gradient of a leaf, or null before any backward(). */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  /** Drops the accumulated gradient. */
  clearGrad(): void {
    native.clearGrad(this.handle);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}], ${this.device})`;
  }
}
