// Generated samples on disk as .npy shards, so that a long evaluation resumes where it stopped. Shard j holds
// samples j*B .. j*B + B - 1 (B = samplesPerShard) and is a pure function of the run's identity and j: each
// sample draws its noise from its own stream (PerSampleRng) and its class is classes[i % classes.length], so a
// resumed run writes the same shards as an uninterrupted one, and a larger n reuses every shard already there.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, tidy, type Tensor } from '../engine/index.js';
import { readNpy, writeFileAtomic, writeNpy } from '../io/index.js';

export interface ShardRun {
  /** Folder of the shards and of identity.json. */
  dir: string;
  /** Samples wanted (exactly this many are read back). */
  n: number;
  /** Samples per shard (one generator call each). */
  samplesPerShard: number;
  /**
   * Everything the samples depend on (model file and step, sampler, steps, guidance, classes, seed, shard
   * size). Stored beside the shards; a different identity in an existing folder is an error, not a silent mix.
   */
  identity: Record<string, unknown>;
  /** Samples first .. first + count - 1 as (count, C, H, W). Called inside a scope. */
  generate(first: number, count: number): Tensor;
  /** After each shard (progress bars): samples present so far and whether this shard was already on disk. */
  onShard?(done: number, reused: boolean): void;
  /** Stops between shards; what is written stays valid for the next run. */
  signal?: AbortSignal;
}

const shardName = (j: number) => `shard-${String(j).padStart(6, '0')}.npy`;

/** Rows a shard file holds, from its header alone (0 when absent or unreadable). */
function shardRows(path: string): number {
  if (!existsSync(path)) return 0;
  try {
    return readNpy(path).shape[0] ?? 0;
  } catch {
    return 0; // a damaged file is regenerated
  }
}

/** Checks or writes the folder's identity. */
function claimDir(dir: string, identity: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'identity.json');
  const text = JSON.stringify(identity, null, 2) + '\n';
  if (existsSync(path)) {
    const old = readFileSync(path, 'utf8');
    if (old !== text) {
      throw new Error(`${dir} holds samples of another run (${path} differs): remove it or choose another work folder`);
    }
    return;
  }
  if (readdirSync(dir).some((f) => f.startsWith('shard-')))
    throw new Error(`${dir} has shards but no identity.json: remove them`);
  writeFileAtomic(path, text);
}

/** Makes sure shards for samples 0..n-1 exist (generating the missing ones); returns 'done' or 'aborted'. */
export async function generateShards(run: ShardRun): Promise<'done' | 'aborted'> {
  const { dir, n, samplesPerShard: b } = run;
  if (!Number.isInteger(n) || n < 1) throw new Error(`generateShards: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(b) || b < 1)
    throw new Error(`generateShards: samplesPerShard must be a positive integer, got ${b}`);
  claimDir(dir, run.identity);
  for (let j = 0; j * b < n; j++) {
    if (run.signal?.aborted) return 'aborted';
    const first = j * b,
      count = Math.min(b, n - first),
      path = join(dir, shardName(j));
    const reused = shardRows(path) >= count;
    if (!reused) tidy(() => writeNpy(path, run.generate(first, count)));
    run.onShard?.(first + count, reused);
    await new Promise((r) => setImmediate(r)); // let signals through
  }
  return 'done';
}

/** Samples 0..n-1 from the shards as one (n, C, H, W) float32 tensor. */
export function readShards(dir: string, n: number, samplesPerShard: number): Tensor {
  let shape: number[] | null = null;
  let out: Float32Array | null = null;
  for (let j = 0; j * samplesPerShard < n; j++) {
    const first = j * samplesPerShard,
      count = Math.min(samplesPerShard, n - first);
    const { data, shape: s } = readNpy(join(dir, shardName(j)));
    if (s[0]! < count)
      throw new Error(`${join(dir, shardName(j))}: ${s[0]} samples, ${count} needed (run the generation again)`);
    const per = data.length / s[0]!;
    shape ??= [n, ...s.slice(1)];
    out ??= new Float32Array(n * per);
    out.set(data.subarray(0, count * per), first * per);
  }
  return tensor(out!, shape!);
}
