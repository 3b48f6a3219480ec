// Loads the libtorch addon (native/*.cc, built by `npm run build:addon`) and types its surface.
// Nothing outside src/engine imports this file: the Tensor class is the public face.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque libtorch tensor owned by the addon. */
export interface Handle {
  readonly __handle: unique symbol;
}
type H = Handle;
/** An opaque c10d process group (TCPStore + ProcessGroupGloo) owned by the addon. */
export interface GroupHandle {
  readonly __group: unique symbol;
}
type Other = H | number;
type Dims = number[] | null;

export interface Addon {
  zeros(shape: number[], dtype: string, device: string): H;
  ones(shape: number[], dtype: string, device: string): H;
  full(shape: number[], value: number, dtype: string, device: string): H;
  arange(start: number, end: number, step: number, dtype: string, device: string): H;
  linspace(start: number, end: number, n: number, dtype: string, device: string): H;
  fromArray(data: Float32Array | Float64Array | Int32Array | Uint8Array, shape: number[], device: string): H;
  toArray(h: H): Float32Array | Float64Array | Int32Array | Uint8Array;
  fromBytes(bytes: Uint8Array, shape: number[], dtype: string, device: string): H;
  toBytes(h: H): Uint8Array;
  item(h: H): number;
  shape(h: H): number[];
  dtype(h: H): string;
  device(h: H): string;
  dispose(h: H): void;
  isDisposed(h: H): boolean;
  to(h: H, dtype: string): H;
  toDevice(h: H, device: string): H;
  convert(h: H, dtype: string, format: 'contiguous' | 'channels_last'): H;
  clone(h: H): H;
  detach(h: H): H;
  contiguous(h: H, format: 'contiguous' | 'channels_last'): H;
  isChannelsLast(h: H): boolean;
  reshape(h: H, shape: number[]): H;
  permute(h: H, dims: number[]): H;
  transpose(h: H, a: number, b: number): H;
  expand(h: H, shape: number[]): H;
  repeat(h: H, reps: number[]): H;
  unsqueeze(h: H, dim: number): H;
  squeeze(h: H, dim: number): H;
  narrow(h: H, dim: number, start: number, length: number): H;
  select(h: H, dim: number, index: number): H;
  indexSelect(h: H, dim: number, index: H): H;
  flip(h: H, dims: number[]): H;
  rot90(h: H, k: number, dims: number[]): H;
  roll(h: H, shifts: number[], dims: number[]): H;
  cat(hs: H[], dim: number): H;
  stack(hs: H[], dim: number): H;
  where(cond: H, a: H, b: Other): H;
  pad(h: H, pads: number[], mode: string, value: number): H;
  add(a: H, b: Other): H;
  sub(a: H, b: Other): H;
  mul(a: H, b: Other): H;
  div(a: H, b: Other): H;
  pow(a: H, b: Other): H;
  maximum(a: H, b: Other): H;
  minimum(a: H, b: Other): H;
  gt(a: H, b: Other): H;
  lt(a: H, b: Other): H;
  eq(a: H, b: Other): H;
  neg(h: H): H;
  exp(h: H): H;
  log(h: H): H;
  sqrt(h: H): H;
  rsqrt(h: H): H;
  abs(h: H): H;
  sin(h: H): H;
  cos(h: H): H;
  tanh(h: H): H;
  sigmoid(h: H): H;
  silu(h: H): H;
  gelu(h: H): H;
  relu(h: H): H;
  square(h: H): H;
  sign(h: H): H;
  floor(h: H): H;
  round(h: H): H;
  reciprocal(h: H): H;
  isfinite(h: H): H;
  clamp(h: H, min: number | null, max: number | null): H;
  sum(h: H, dims: Dims, keep: boolean): H;
  mean(h: H, dims: Dims, keep: boolean): H;
  amax(h: H, dims: Dims, keep: boolean): H;
  amin(h: H, dims: Dims, keep: boolean): H;
  varUnbiased(h: H, dims: Dims, keep: boolean): H;
  argmax(h: H, dim: number, keep: boolean): H;
  topk(h: H, k: number, dim: number, largest: boolean): [H, H];
  matmul(a: H, b: H): H;
  linear(x: H, w: H, b: H | null): H;
  conv2d(x: H, w: H, b: H | null, stride: number[], padding: number[], dilation: number[], groups: number): H;
  convTranspose2d(
    x: H,
    w: H,
    b: H | null,
    stride: number[],
    padding: number[],
    outputPadding: number[],
    groups: number,
    dilation: number[],
  ): H;
  groupNormAct(x: H, groups: number, w: H | null, b: H | null, eps: number, silu: boolean, fused: boolean): H;
  /** The caching CPU allocator's state (native/cpu-cache.cc): whether it serves libtorch, and its counts. */
  cpuCache(): { installed: boolean; hits: number; misses: number; freeMB: number; limitMB: number };
  // lists of tensors (native/foreach.cc)
  adamUpdate(
    params: H[],
    m: H[],
    v: H[],
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    bc1: number,
    bc2: number,
  ): void;
  lerpAll(targets: H[], ends: H[], weight: number): void;
  gradNorm(params: H[]): number;
  scaleGrads(params: H[], s: number): void;
  layerNorm(x: H, shape: number[], w: H | null, b: H | null, eps: number): H;
  softmax(h: H, dim: number): H;
  logSoftmax(h: H, dim: number): H;
  interpolate(h: H, size: number[], mode: string, alignCorners: boolean): H;
  avgPool2d(h: H, kernel: number[], stride: number[], padding: number[]): H;
  maxPool2d(h: H, kernel: number[], stride: number[], padding: number[]): H;
  adaptiveAvgPool2d(h: H, size: number[]): H;
  embedding(weight: H, indices: H): H;
  mseLoss(a: H, b: H, reduction: number): H;
  crossEntropy(logits: H, target: H, reduction: number): H;
  eigh(h: H): [H, H];
  addInPlace(h: H, other: Other, alpha: number): H;
  mulInPlace(h: H, other: Other): H;
  copyInPlace(h: H, src: H): H;
  zeroInPlace(h: H): H;
  addcmulInPlace(h: H, a: H, b: H, value: number): H;
  addcdivInPlace(h: H, a: H, b: H, value: number): H;
  lerpInPlace(h: H, end: H, weight: number): H;
  setData(h: H, src: H): H;
  setRequiresGrad(h: H, on: boolean): H;
  requiresGrad(h: H): boolean;
  backward(h: H, grad: H | null): void;
  grad(h: H): H | null;
  clearGrad(h: H): void;
  setGradEnabled(on: boolean): void;
  isGradEnabled(): boolean;
  setNumThreads(n: number): void;
  setMkldnnEnabled(on: boolean): void;
  mkldnnEnabled(): boolean;
  getNumThreads(): number;
  cudaAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  cudaCapability(index: number): number;
  autocastEnter(deviceType: 'cpu' | 'cuda', dtype: string): [boolean, string];
  autocastExit(deviceType: 'cpu' | 'cuda', wasEnabled: boolean, previousDtype: string): void;
  version(): string;
  distAvailable(): boolean;
  distInit(host: string, port: number, rank: number, worldSize: number, timeoutMs: number, ifname: string): GroupHandle;
  distAllReduce(g: GroupHandle, tensors: H[], scale: number): void;
  distBroadcast(g: GroupHandle, tensors: H[], root: number): void;
  distBarrier(g: GroupHandle): void;
  distDestroy(g: GroupHandle): void;
  profile(path: string | null): void;
}

function findAddon(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/engine -> repository root, whether running from src (ts) or dist/src (js)
  for (const up of ['../..', '../../..']) {
    const p = join(here, up, 'build/Release/difflab.node');
    if (existsSync(p)) return p;
  }
  throw new Error('difflab: the libtorch addon is not built; run `npm run setup` (or `npm run build:addon`)');
}

// libtorch's OpenMP threads spin while waiting for work by default. On a machine whose cores are shared (another
// job, a test runner, a server), spinning threads steal the cores the working ones need: a training step here took
// 9.7 s with spinning and 5.1 s with sleeping threads while another process ran. libgomp reads this when the addon
// loads it, so it is set before; a value the user set wins.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

let loaded: Addon | null = null;
/**
 * The addon, loaded on first use: a process that only imports the library's plain parts (the playground's server,
 * which validates jobs through the job files and hands them to its runner) never maps libtorch.
 */
const addon = () => (loaded ??= load());
export const native: Addon = new Proxy({} as Addon, {
  get: (_, key) => addon()[key as keyof Addon],
  // Listing it (Object.keys: the ops test) lists the loaded addon's functions.
  ownKeys: () => Reflect.ownKeys(addon()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(addon(), key);
    return d && { ...d, configurable: true };
  },
});

/** Threads used unless told otherwise: DIFFLAB_THREADS, else every core (libtorch starts at 1 here). */
export function defaultNumThreads(): number {
  const env = Number(process.env.DIFFLAB_THREADS);
  return Number.isInteger(env) && env > 0 ? env : availableParallelism();
}

function load(): Addon {
  const addon = createRequire(import.meta.url)(findAddon()) as Addon;
  addon.setNumThreads(defaultNumThreads());
  return addon;
}
