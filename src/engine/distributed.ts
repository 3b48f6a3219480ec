// Process groups for data parallelism: torch.distributed's c10d (a TCPStore rendezvous and ProcessGroupGloo) through
// the addon. Generic: knows ranks and tensors, nothing of training. Launchers (torchrun, SLURM, Kubernetes, or
// `difflab train --nproc`) describe the group with the standard environment variables.
import { native, type GroupHandle } from './addon.js';
import type { Tensor } from './tensor.js';

export interface ProcessGroupOptions {
  /** This process's rank, 0..worldSize-1. Rank 0 serves the rendezvous store. */
  rank: number;
  worldSize: number;
  /** Rendezvous host: rank 0's address as the others reach it (MASTER_ADDR). */
  masterAddr: string;
  /** Rendezvous port on masterAddr (MASTER_PORT). */
  masterPort: number;
  /** How long joining and each collective may take before failing. Default 300 s. */
  timeoutMs?: number;
  /**
   * The network interface Gloo binds to (GLOO_SOCKET_IFNAME, as in torch.distributed). Default: the local address
   * that routes to masterAddr, which is what the other ranks can reach (what the host name resolves to is often
   * loopback).
   */
  socketInterface?: string;
}

/** Whether the linked libtorch carries c10d with Gloo (Debian's does, with libgloo-dev at build time). */
export function distributedAvailable(): boolean {
  return native.distAvailable();
}

/**
 * The group a launcher described in the environment (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK; torchrun, SLURM
 * via srun with these exported, and Kubernetes training operators set them), or null when WORLD_SIZE is absent.
 */
export function processGroupFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessGroupOptions | null {
  if (env.WORLD_SIZE === undefined) return null;
  const int = (name: string, min: number) => {
    const v = Number(env[name]);
    if (!Number.isInteger(v) || v < min)
      throw new Error(`${name} must be an integer >= ${min}, got '${env[name] ?? ''}'`);
    return v;
  };
  const worldSize = int('WORLD_SIZE', 1),
    rank = int('RANK', 0),
    masterPort = int('MASTER_PORT', 1);
  if (rank >= worldSize) throw new Error(`RANK ${rank} is not below WORLD_SIZE ${worldSize}`);
  if (!env.MASTER_ADDR) throw new Error('MASTER_ADDR is not set (the address of rank 0)');
  const timeout = env.DIFFLAB_DIST_TIMEOUT === undefined ? undefined : 1000 * Number(env.DIFFLAB_DIST_TIMEOUT);
  const ifname = env.GLOO_SOCKET_IFNAME;
  return {
    rank,
    worldSize,
    masterAddr: env.MASTER_ADDR,
    masterPort,
    ...(timeout ? { timeoutMs: timeout } : {}),
    ...(ifname ? { socketInterface: ifname } : {}),
  };
}

/** A joined group. Collectives block until every rank has called them; a lost peer fails them with one line. */
export class ProcessGroup {
  #handle: GroupHandle | null;
  private constructor(
    handle: GroupHandle,
    readonly rank: number,
    readonly worldSize: number,
  ) {
    this.#handle = handle;
  }

  /** Joins (rank 0 first serves the store); returns when all worldSize ranks are in. */
  static join(o: ProcessGroupOptions): ProcessGroup {
    const timeout = o.timeoutMs ?? 300_000;
    return new ProcessGroup(
      native.distInit(o.masterAddr, o.masterPort, o.rank, o.worldSize, timeout, o.socketInterface ?? ''),
      o.rank,
      o.worldSize,
    );
  }

  private get handle(): GroupHandle {
    if (!this.#handle) throw new Error(`rank ${this.rank}: the process group was destroyed`);
    return this.#handle;
  }
  /**
   * Every tensor becomes `scale` times the elementwise sum of its copies on all ranks (sent as one flat bucket;
   * the scaling is applied as the bucket is copied back, so 1 / worldSize averages at no extra pass).
   */
  allReduceSum(tensors: readonly Tensor[], scale = 1): void {
    native.distAllReduce(
      this.handle,
      tensors.map((t) => t.handle),
      scale,
    );
  }
  /** Every rank's tensors become root's. */
  broadcast(tensors: readonly Tensor[], root = 0): void {
    native.distBroadcast(
      this.handle,
      tensors.map((t) => t.handle),
      root,
    );
  }
  /** Returns when every rank has reached it. */
  barrier(): void {
    native.distBarrier(this.handle);
  }
  /** Leaves the group (the others' next collective fails). */
  destroy(): void {
    if (this.#handle) native.distDestroy(this.#handle);
    this.#handle = null;
  }
}
