// Threads, devices and gradient mode: process-wide libtorch settings.
import { availableParallelism } from 'node:os';
import { native } from './addon.js';
import { setDefaultDevice, type CreateOptions } from './ops.js';
import type { Device } from './tensor.js';

/** libtorch's intra-op thread count (it starts at 1 on these machines, so difflab sets it at load). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}
export function getNumThreads(): number { return native.getNumThreads(); }

/** Threads used unless told otherwise: DIFFLAB_THREADS, else every core. */
export function defaultNumThreads(): number {
  const env = Number(process.env.DIFFLAB_THREADS);
  return Number.isInteger(env) && env > 0 ? env : availableParallelism();
}
setNumThreads(defaultNumThreads());

/** The libtorch version the addon was built against, e.g. "1.13.0". */
export function libtorchVersion(): string { return native.version(); }
export function cudaAvailable(): boolean { return native.cudaAvailable(); }
export function cudaDeviceCount(): number { return native.cudaDeviceCount(); }
/** Waits for queued CUDA work (timing); a no-op without CUDA. */
export function synchronize(): void { native.cudaSynchronize(); }

/** Checks a device name against what the linked libtorch offers, and makes it the default for new tensors. */
export function useDevice(device: Device): CreateOptions {
  if (device !== 'cpu' && !cudaAvailable()) {
    throw new Error(`device '${device}' requested, but the linked libtorch has no CUDA (see README: LIBTORCH)`);
  }
  setDefaultDevice(device);
  return { device };
}

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
export function isGradEnabled(): boolean { return native.isGradEnabled(); }

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
