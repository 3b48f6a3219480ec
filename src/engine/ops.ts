// Tensor creation and the functional ops (layers without parameters of their own). Every op here is generic.
import { native } from './addon.js';
import { Tensor, type Device, type DType, type Scalar } from './tensor.js';

/** Where and how a new tensor is made. Defaults: float32 on the default device (see runtime.setDefaultDevice). */
export interface CreateOptions {
  /** Element type. Default 'float32'. */
  dtype?: DType;
  /** Device. Default: the process default ('cpu' unless changed). */
  device?: Device;
}

let defaultDevice: Device = 'cpu';
/** The device new tensors go to when none is given. */
export function getDefaultDevice(): Device {
  return defaultDevice;
}
export function setDefaultDevice(device: Device): void {
  defaultDevice = device;
}
const dt = (o?: CreateOptions) => o?.dtype ?? 'float32';
const dev = (o?: CreateOptions) => o?.device ?? defaultDevice;

export function zeros(shape: readonly number[], o?: CreateOptions): Tensor {
  return new Tensor(native.zeros([...shape], dt(o), dev(o)));
}
export function ones(shape: readonly number[], o?: CreateOptions): Tensor {
  return new Tensor(native.ones([...shape], dt(o), dev(o)));
}
export function full(shape: readonly number[], value: number, o?: CreateOptions): Tensor {
  return new Tensor(native.full([...shape], value, dt(o), dev(o)));
}
/** start, start+step, ... < end */
export function arange(start: number, end: number, step = 1, o?: CreateOptions): Tensor {
  return new Tensor(native.arange(start, end, step, dt(o), dev(o)));
}
/** n evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, n: number, o?: CreateOptions): Tensor {
  return new Tensor(native.linspace(start, end, n, dt(o), dev(o)));
}
/**
 * A tensor holding a copy of `data` (its dtype follows the array: Float32Array -> float32, Float64Array ->
 * float64, Int32Array -> int64 indices, Uint8Array -> uint8; plain number arrays -> float32).
 */
export function tensor(
  data: Float32Array | Float64Array | Int32Array | Uint8Array | readonly number[],
  shape: readonly number[] = [data.length],
  device: Device = defaultDevice,
): Tensor {
  const arr = Array.isArray(data) ? Float32Array.from(data as number[]) : (data as Float32Array);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== arr.length) throw new Error(`tensor: shape [${shape.join(', ')}] needs ${n} values, got ${arr.length}`);
  return new Tensor(native.fromArray(arr, [...shape], device));
}
/** A tensor of `dtype` from its raw little-endian element bytes (as safetensors stores them). */
export function fromBytes(
  bytes: Uint8Array,
  shape: readonly number[],
  dtype: DType,
  device: Device = defaultDevice,
): Tensor {
  return new Tensor(native.fromBytes(bytes, [...shape], dtype, device));
}
/** Integer indices (int64), for indexSelect, embedding and crossEntropy targets. */
export function indices(values: readonly number[] | Int32Array, device: Device = defaultDevice): Tensor {
  return tensor(Int32Array.from(values), [values.length], device);
}

export function cat(ts: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(
    native.cat(
      ts.map((t) => t.handle),
      dim,
    ),
  );
}
export function stack(ts: readonly Tensor[], dim = 0): Tensor {
  return new Tensor(
    native.stack(
      ts.map((t) => t.handle),
      dim,
    ),
  );
}
/** a where cond is non-zero, else b. */
export function where(cond: Tensor, a: Tensor, b: Scalar): Tensor {
  return new Tensor(native.where(cond.handle, a.handle, typeof b === 'number' ? b : b.handle));
}
export interface PadOptions {
  /** 'constant' (default), 'reflect' or 'replicate' (the last two on 4-D NCHW input). */
  mode?: 'constant' | 'reflect' | 'replicate';
  /** Fill value for 'constant'. Default 0. */
  value?: number;
}
/** Pads the last dims: pads = [left, right, top, bottom, ...] as in torch.nn.functional.pad. */
export function pad(x: Tensor, pads: readonly number[], o: PadOptions = {}): Tensor {
  return new Tensor(native.pad(x.handle, [...pads], o.mode ?? 'constant', o.value ?? 0));
}

// ----- layers as functions -----------------------------------------------------------------------------
/** x W^T + b; x (..., in), W (out, in), b (out). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return new Tensor(native.linear(x.handle, weight.handle, bias?.handle ?? null));
}
export interface Conv2dOptions {
  /** Default 1. */ stride?: number;
  /** Zero padding on each side. Default 0. */ padding?: number;
  /** Default 1. */ dilation?: number;
  /** Default 1. */ groups?: number;
}
/** x (N, Cin, H, W), weight (Cout, Cin/groups, kH, kW). */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  const s = o.stride ?? 1,
    p = o.padding ?? 0,
    d = o.dilation ?? 1;
  return new Tensor(
    native.conv2d(x.handle, weight.handle, bias?.handle ?? null, [s, s], [p, p], [d, d], o.groups ?? 1),
  );
}
export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra size added to one side of the output. Default 0. */ outputPadding?: number;
}
/** x (N, Cin, H, W), weight (Cin, Cout/groups, kH, kW). */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  o: ConvTranspose2dOptions = {},
): Tensor {
  const s = o.stride ?? 1,
    p = o.padding ?? 0,
    d = o.dilation ?? 1,
    op = o.outputPadding ?? 0;
  return new Tensor(
    native.convTranspose2d(x.handle, weight.handle, bias?.handle ?? null, [s, s], [p, p], [op, op], o.groups ?? 1, [
      d,
      d,
    ]),
  );
}
export interface GroupNormOptions {
  /** Added to each group's variance. Default 1e-5. */
  eps?: number;
  /** Applied to the normalised output in the same pass: 'silu' (u * sigmoid(u)) or 'none'. Default 'none'. */
  activation?: 'none' | 'silu';
  /**
   * 'fused' (default): the addon's kernel. 'libtorch': libtorch's group_norm on a float32 NCHW copy, output float32
   * in x's layout (the path before the fused kernel, kept for comparisons; GPUs always take it).
   */
  kernel?: 'fused' | 'libtorch';
}
/**
 * GroupNorm over (N, C, ...): C split into `groups`; weight/bias per channel (float32 parameters). The output has
 * x's dtype and memory layout: bf16 channels-last activations (a convolution's output under autocast) stay bf16
 * channels-last, with no layout copies. On the CPU this is the addon's fused kernel (native/groupnorm.cc):
 * two-pass moments with float32 accumulators (float64 for float64 input), safe on near-constant groups such as
 * black image borders, where libtorch 1.13's channels-last kernel (E[x^2] - E[x]^2) loses every digit.
 */
export function groupNorm(
  x: Tensor,
  groups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  o: GroupNormOptions = {},
): Tensor {
  const silu = (o.activation ?? 'none') === 'silu';
  return new Tensor(
    native.groupNormAct(
      x.handle,
      groups,
      weight?.handle ?? null,
      bias?.handle ?? null,
      o.eps ?? 1e-5,
      silu,
      (o.kernel ?? 'fused') === 'fused',
    ),
  );
}
/** LayerNorm over the trailing dims `shape`. */
export function layerNorm(
  x: Tensor,
  shape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  return new Tensor(native.layerNorm(x.handle, [...shape], weight?.handle ?? null, bias?.handle ?? null, eps));
}
export function softmax(x: Tensor, dim = -1): Tensor {
  return new Tensor(native.softmax(x.handle, dim));
}
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return new Tensor(native.logSoftmax(x.handle, dim));
}
export interface InterpolateOptions {
  /** 'nearest' (default) or 'bilinear'. */ mode?: 'nearest' | 'bilinear';
  /** Bilinear only. Default false (as torch). */ alignCorners?: boolean;
}
/** Resizes NCHW input to size [H, W]. */
export function interpolate(x: Tensor, size: readonly [number, number], o: InterpolateOptions = {}): Tensor {
  return new Tensor(native.interpolate(x.handle, [...size], o.mode ?? 'nearest', o.alignCorners ?? false));
}
export function avgPool2d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  return new Tensor(native.avgPool2d(x.handle, [kernel, kernel], [stride, stride], [padding, padding]));
}
export function maxPool2d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  return new Tensor(native.maxPool2d(x.handle, [kernel, kernel], [stride, stride], [padding, padding]));
}
export function adaptiveAvgPool2d(x: Tensor, size: readonly [number, number]): Tensor {
  return new Tensor(native.adaptiveAvgPool2d(x.handle, [...size]));
}
/** Rows of `weight` (num, dim) picked by int64 `ids`. */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  return new Tensor(native.embedding(weight.handle, ids.handle));
}

export type Reduction = 'none' | 'mean' | 'sum';
const reductionCode = { none: 0, mean: 1, sum: 2 } as const;
export function mseLoss(a: Tensor, b: Tensor, reduction: Reduction = 'mean'): Tensor {
  return new Tensor(native.mseLoss(a.handle, b.handle, reductionCode[reduction]));
}
/** Cross-entropy of logits (N, C) against int64 class ids (N). */
export function crossEntropy(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return new Tensor(native.crossEntropy(logits.handle, target.handle, reductionCode[reduction]));
}
/**
 * Scaled dot-product attention: softmax(q k^T / sqrt(d)) v over (..., L, d) inputs.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor): Tensor {
  const d = q.shape[q.rank - 1]!;
  // Contiguous operands: libtorch 1.13's CPU bmm loops over the batch one matrix at a time (with a select per
  // matrix) when the batch strides are unusual, e.g. for views of channels-last activations: 15x slower.
  // Softmax in float32 whatever the matmul's precision (bf16 under autocast).
  const scores = q
    .contiguous()
    .matmul(k.transpose(-2, -1).contiguous())
    .mul(1 / Math.sqrt(d));
  const w = softmax(scores.dtype === 'bfloat16' ? scores.to('float32') : scores, -1);
  return w.matmul(v.contiguous());
}
/** Symmetric eigendecomposition: eigenvalues ascending, eigenvectors as columns. */
export function eigh(a: Tensor): { values: Tensor; vectors: Tensor } {
  const [v, w] = native.eigh(a.handle);
  return { values: new Tensor(v), vectors: new Tensor(w) };
}
