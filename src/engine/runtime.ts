// Threads, devices and gradient mode: process-wide libtorch settings.
import { readFileSync } from 'node:fs';
import { native } from './addon.js';
import { getDefaultDevice, setDefaultDevice, type CreateOptions } from './ops.js';
import type { Device } from './tensor.js';

/** libtorch's intra-op thread count (it starts at 1 on these machines, so difflab sets it at load). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

export { defaultNumThreads } from './addon.js'; // applied when the addon loads

/** The libtorch version the addon was built against, e.g. "1.13.0". */
export function libtorchVersion(): string {
  return native.version();
}
export function cudaAvailable(): boolean {
  return native.cudaAvailable();
}
export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}
/** Waits for queued CUDA work (timing); a no-op without CUDA. */
export function synchronize(): void {
  native.cudaSynchronize();
}

/** Checks a device name against what the linked libtorch offers, and makes it the default for new tensors. */
export function useDevice(device: Device): CreateOptions {
  if (device !== 'cpu' && !cudaAvailable()) {
    throw new Error(`device '${device}' requested, but the linked libtorch has no CUDA (see README: LIBTORCH)`);
  }
  setDefaultDevice(device);
  return { device };
}

// DIFFLAB_DEVICE=cuda (or cuda:N) sends every new tensor to that GPU, for every command and the library alike.
if (process.env.DIFFLAB_DEVICE) useDevice(process.env.DIFFLAB_DEVICE as Device);

/** Runs fn with autograd recording off (sampling, optimizer updates, EMA). */
export function noGrad<T>(fn: () => T): T {
  const prev = native.isGradEnabled();
  native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/**
 * Runs fn under libtorch's op profiler and writes a chrome://tracing JSON file to path (every op with its time
 * and shapes): the way to find where a network's time goes.
 */
export function profile<T>(path: string, fn: () => T): T {
  native.profile(path);
  try {
    return fn();
  } finally {
    native.profile(null);
  }
}

// ----- precision ----------------------------------------------------------------------------------------
/**
 * Numeric precision of the heavy ops of a network. 'bf16': convolutions and matrix products in bfloat16 under
 * libtorch's autocast (2x the multiply-add rate on a CPU with AVX512-BF16 or AMX, and on CUDA GPUs of compute
 * capability >= 8); weights, optimizer state, normalisation, softmax and losses stay float32.
 */
export type Precision = 'fp32' | 'bf16';
/** What a user may ask for: a precision, or 'auto' (bf16 where the device computes it natively). */
export type PrecisionChoice = Precision | 'auto';
export const precisionChoices: readonly PrecisionChoice[] = ['auto', 'fp32', 'bf16'];

const cpuFlags = (): Set<string> => {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
};

/**
 * How `device` computes bfloat16. `native`: in hardware (avx512_bf16 or amx_bf16, or a GPU of compute capability
 * 8.0+). `faithful`: with float32 accumulation, natively or by oneDNN's emulation on AVX-512 (BW, VL, DQ). Without
 * AVX-512, libtorch 1.13 takes bf16 convolutions to its fallback kernels, which sum weight gradients over the
 * batch in bf16: they come out about 40% wrong (measured with oneDNN switched off, test/engine-precision).
 */
export function nativeBf16(device: Device = getDefaultDevice()): {
  native: boolean;
  faithful: boolean;
  reason: string;
} {
  if (device === 'cpu') {
    const flags = cpuFlags();
    const found = ['amx_bf16', 'avx512_bf16'].filter((f) => flags.has(f));
    if (found.length) return { native: true, faithful: true, reason: `CPU has ${found.join(', ')}` };
    const avx512 = ['avx512bw', 'avx512vl', 'avx512dq'].every((f) => flags.has(f));
    return avx512
      ? { native: false, faithful: true, reason: 'CPU has neither avx512_bf16 nor amx_bf16' }
      : { native: false, faithful: false, reason: 'CPU has no AVX-512 (avx512bw, avx512vl, avx512dq)' };
  }
  const index = device === 'cuda' ? 0 : Number(device.split(':')[1]);
  const cc = native.cudaCapability(index);
  if (cc === 0) return { native: false, faithful: true, reason: 'the CUDA compute capability could not be read' };
  return { native: cc >= 80, faithful: true, reason: `GPU compute capability ${Math.floor(cc / 10)}.${cc % 10}` };
}

/**
 * The precision to run in for a choice: 'auto' is bf16 where the device has native bf16, else fp32. Asking for
 * bf16 where it is emulated runs (slowly) and says so in `note`; where libtorch would compute it unfaithfully
 * (no AVX-512) the request is refused with a one-line error.
 */
export function resolvePrecision(
  choice: PrecisionChoice,
  hw: ReturnType<typeof nativeBf16> = nativeBf16(),
): { precision: Precision; note: string | null } {
  if (choice === 'auto') return { precision: hw.native ? 'bf16' : 'fp32', note: null };
  if (choice === 'bf16' && !hw.faithful) {
    throw new Error(
      `precision bf16 is refused here: ${hw.reason}, and libtorch's fallback bf16 kernels sum gradients in bf16 (use fp32 or auto)`,
    );
  }
  if (choice === 'bf16' && !hw.native) {
    return { precision: 'bf16', note: `note: bf16 requested but ${hw.reason}: it runs emulated, slower than fp32` };
  }
  return { precision: choice, note: null };
}

/** Switches libtorch's oneDNN (mkldnn) kernels on or off, as torch.backends.mkldnn.enabled; on by default. */
export function setOneDnnEnabled(on: boolean): void {
  native.setMkldnnEnabled(on);
}
export function oneDnnEnabled(): boolean {
  return native.mkldnnEnabled();
}

/**
 * Runs fn with convolutions and matrix products in bfloat16 (libtorch's autocast on the default device's kind)
 * when precision is 'bf16'; plain fn for 'fp32'. Regions nest; cached weight casts are dropped when the outermost
 * one ends. Outputs of autocast ops are bfloat16: cast what leaves the network back to float32.
 */
export function autocast<T>(precision: Precision, fn: () => T): T {
  if (precision === 'fp32') return fn();
  const kind = getDefaultDevice() === 'cpu' ? 'cpu' : 'cuda';
  const [was, dtype] = native.autocastEnter(kind, 'bfloat16');
  try {
    return fn();
  } finally {
    native.autocastExit(kind, was, dtype);
  }
}
